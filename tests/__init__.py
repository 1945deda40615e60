import pytest

# The shared helpers (tests/support) assert as tests do, with pytest's explanations on failure.
pytest.register_assert_rewrite("tests.support")
