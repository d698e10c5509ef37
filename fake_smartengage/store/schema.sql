CREATE TABLE avatar (
	pk INTEGER NOT NULL, 
	avatar_id INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	brand_name VARCHAR, 
	brand_image VARCHAR, 
	user_role VARCHAR, 
	facebook_page_id VARCHAR, 
	PRIMARY KEY (pk), 
	UNIQUE (avatar_id)
);

CREATE INDEX ix_avatar_order ON avatar (ordinal);

CREATE TABLE custom_field (
	pk INTEGER NOT NULL, 
	avatar_pk INTEGER NOT NULL, 
	custom_field_id INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	custom_field_name VARCHAR NOT NULL, 
	PRIMARY KEY (pk), 
	UNIQUE (avatar_pk, custom_field_id), 
	FOREIGN KEY(avatar_pk) REFERENCES avatar (pk) ON DELETE CASCADE
);

CREATE INDEX ix_custom_field_name ON custom_field (avatar_pk, custom_field_name);

CREATE INDEX ix_custom_field_order ON custom_field (avatar_pk, ordinal);

CREATE TABLE sequence (
	pk INTEGER NOT NULL, 
	avatar_pk INTEGER NOT NULL, 
	sequence_id INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	sequence_name VARCHAR NOT NULL, 
	PRIMARY KEY (pk), 
	UNIQUE (avatar_pk, sequence_id), 
	FOREIGN KEY(avatar_pk) REFERENCES avatar (pk) ON DELETE CASCADE
);

CREATE INDEX ix_sequence_name ON sequence (avatar_pk, sequence_name);

CREATE INDEX ix_sequence_order ON sequence (avatar_pk, ordinal);

CREATE TABLE subscriber (
	pk INTEGER NOT NULL, 
	avatar_pk INTEGER NOT NULL, 
	subscriber_id INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	full_name VARCHAR, 
	first_name VARCHAR, 
	last_name VARCHAR, 
	email VARCHAR COLLATE "NOCASE", 
	ip VARCHAR, 
	gender VARCHAR, 
	language VARCHAR, 
	place VARCHAR, 
	facebook_id VARCHAR, 
	push_id VARCHAR, 
	PRIMARY KEY (pk), 
	FOREIGN KEY(avatar_pk) REFERENCES avatar (pk) ON DELETE CASCADE
);

CREATE INDEX ix_subscriber_email ON subscriber (avatar_pk, email) WHERE email IS NOT NULL;

CREATE INDEX ix_subscriber_facebook_id ON subscriber (avatar_pk, facebook_id) WHERE facebook_id IS NOT NULL;

CREATE UNIQUE INDEX ix_subscriber_id ON subscriber (avatar_pk, subscriber_id);

CREATE INDEX ix_subscriber_order ON subscriber (avatar_pk, ordinal DESC);

CREATE INDEX ix_subscriber_push_id ON subscriber (avatar_pk, push_id) WHERE push_id IS NOT NULL;

CREATE TABLE tag (
	pk INTEGER NOT NULL, 
	avatar_pk INTEGER NOT NULL, 
	tag_id INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	tag_name VARCHAR NOT NULL, 
	PRIMARY KEY (pk), 
	UNIQUE (avatar_pk, tag_id), 
	FOREIGN KEY(avatar_pk) REFERENCES avatar (pk) ON DELETE CASCADE
);

CREATE INDEX ix_tag_name ON tag (avatar_pk, tag_name);

CREATE INDEX ix_tag_order ON tag (avatar_pk, ordinal);

CREATE TABLE subscriber_field_value (
	subscriber_pk INTEGER NOT NULL, 
	custom_field_pk INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	custom_value VARCHAR NOT NULL, 
	PRIMARY KEY (subscriber_pk, custom_field_pk), 
	FOREIGN KEY(subscriber_pk) REFERENCES subscriber (pk) ON DELETE CASCADE, 
	FOREIGN KEY(custom_field_pk) REFERENCES custom_field (pk) ON DELETE CASCADE
);

CREATE INDEX ix_subscriber_field_value_field ON subscriber_field_value (custom_field_pk);

CREATE TABLE subscriber_sequence (
	subscriber_pk INTEGER NOT NULL, 
	sequence_pk INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	PRIMARY KEY (subscriber_pk, sequence_pk), 
	FOREIGN KEY(subscriber_pk) REFERENCES subscriber (pk) ON DELETE CASCADE, 
	FOREIGN KEY(sequence_pk) REFERENCES sequence (pk) ON DELETE CASCADE
);

CREATE INDEX ix_subscriber_sequence_sequence ON subscriber_sequence (sequence_pk);

CREATE TABLE subscriber_tag (
	subscriber_pk INTEGER NOT NULL, 
	tag_pk INTEGER NOT NULL, 
	ordinal INTEGER NOT NULL, 
	PRIMARY KEY (subscriber_pk, tag_pk), 
	FOREIGN KEY(subscriber_pk) REFERENCES subscriber (pk) ON DELETE CASCADE, 
	FOREIGN KEY(tag_pk) REFERENCES tag (pk) ON DELETE CASCADE
);

CREATE INDEX ix_subscriber_tag_tag ON subscriber_tag (tag_pk);

