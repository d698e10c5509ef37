"""How a parameter's key is spelt: a plain name (`tags`), or a name with an index in brackets
(`tags[]`, `tags[0]`), the way PHP's http_build_query writes arrays.

The API reads parameters by this rule (`api/forms.py`), and the testing side matches what a test
expects against what was sent by the same rule (`testing/matching.py`)."""

import re

PARAMETER_KEY = re.compile(r"(?P<name>[^\[\]]+)(?:\[(?P<index>[^\[\]]*)\])?")
