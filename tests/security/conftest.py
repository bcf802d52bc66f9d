import sys


def pytest_terminal_summary(terminalreporter):
    matrix = sys.modules.get("tests.security.test_access_matrix")
    if matrix is not None and matrix.CHECKED:
        counts = ", ".join(f"{n} {what}" for what, n in sorted(matrix.CHECKED.items()))
        terminalreporter.write_line(f"access matrix: {counts}")
