import platform
import sys

from fake_smartengage.store.memory import Reclaimer


def test_memory_is_given_back_once_enough_was_freed():
    reclaimer = Reclaimer(threshold=100)
    reclaimer.freed(60)
    assert not reclaimer.release()
    reclaimer.freed(60)
    assert reclaimer.release()  # calls malloc_trim(0) where there is one
    assert not reclaimer.release()  # the count starts again


def test_glibc_gives_memory_back():
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert Reclaimer().can_trim == glibc
