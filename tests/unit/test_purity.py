import subprocess
import sys

PURE_MODULES = [
    "factory.money",
    "factory.payroll.domain",
    "factory.orders.domain",
    "factory.workers.domain",
    "factory.tabular",
    "factory.charts",
]


def test_pure_modules_import_neither_flask_nor_sqlalchemy():
    code = (
        "import importlib, sys\n"
        f"for name in {PURE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=".")
    assert result.stdout.strip() == "[]"
