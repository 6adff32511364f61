from tests.supervisor.conftest import *  # noqa: F403 (the workspace fixtures)
