"""The test suite's own shape: no test module imports another test module or a conftest. What
tests share lives in tests/support (plain helpers, and fixtures registered in tests/conftest.py),
so running one test file never depends on importing, and collecting, another."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SKIP = {"node_modules", "vendor", "pds"}


def _is_test_module(module: str) -> bool:
    """Whether a dotted module name is a test module or a conftest under tests/."""
    parts = module.split(".")
    if parts[0] != "tests" or len(parts) < 2:
        return False
    last = parts[-1]
    return last == "conftest" or last.startswith("test_")


def _imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from tests.claims import test_claims_routes`` imports a module by name
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_modules_import_test_modules_finds_them() -> None:
    tree = ast.parse(
        "from tests.web.test_csrf import flat_routes\n"
        "def f():\n    from tests.claims import test_claims_routes\n"
        "from tests.conftest import post_form\n"
        "from tests.support.forms import post_form\n"
    )
    offending = {m for m in _imported_modules(tree) if _is_test_module(m)}
    assert offending == {"tests.web.test_csrf", "tests.claims.test_claims_routes", "tests.conftest"}


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    offending = []
    for path in sorted(TESTS.rglob("*.py")):
        if SKIP & set(path.relative_to(TESTS).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module in sorted(_imported_modules(tree)):
            if _is_test_module(module):
                offending.append(f"{path.relative_to(TESTS.parent)} imports {module}")
    assert not offending, "move what they share into tests/support:\n" + "\n".join(offending)
