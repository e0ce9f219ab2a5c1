"""tests/python/test_hardening_files.py: the Python module's side of issue 13 (docs/limits.md):
an absurd thread count is a ValueError (it used to abort the interpreter), a method on a Model
made by Model.__new__ without __init__ raises (it used to segfault), and a value pybind11 cannot
convert surfaces as a TypeError naming the argument (not a RuntimeError with pybind11's text).
Each case runs in a child interpreter, so a crash fails the test instead of killing pytest."""
import os
import subprocess
import sys
import textwrap

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
MODEL = os.path.join(DATA, "tiny-bert")


def run(code):
    """Runs `code` in a fresh interpreter with the same lightbert; returns (exit code, output)."""
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, MODEL=MODEL))
    return p.returncode, p.stdout + p.stderr


def test_absurd_thread_counts_raise_value_error():
    code, out = run("""
        import os, lightbert
        for n in (10**6, 1025, -1):
            try:
                lightbert.Model(os.environ["MODEL"], threads=n)
                print("no error", n)
            except ValueError as e:
                print("ValueError", n, e)
        m = lightbert.Model(os.environ["MODEL"], threads=2)
        print("ok", m.dim)
    """)
    assert code == 0, out
    assert "ValueError 1000000 threads must be between 0 (all cores) and 1024" in out
    assert "ValueError 1025" in out and "ValueError -1" in out
    assert "no error" not in out
    assert "ok 32" in out


def test_uninitialised_model_raises_instead_of_crashing():
    code, out = run("""
        import lightbert
        m = lightbert.Model.__new__(lightbert.Model)
        for call in (lambda: m.encode("x"), lambda: m.tokenize("x"), lambda: m.dim,
                     lambda: m.qa("q", "c"), lambda: m.path):
            try:
                call()
                print("no error")
            except ValueError as e:
                print("ValueError", e)
    """)
    assert code == 0, out
    assert out.count("ValueError lightbert.Model object is not initialised") == 5, out


def test_cast_failures_are_type_errors_naming_the_argument():
    code, out = run("""
        import os, lightbert
        m = lightbert.Model(os.environ["MODEL"], threads=1)
        cases = [[("a", 3)], [(1, "b")], {"text": 5}, [{"text": "a", "text_pair": b"x"}]]
        for texts in cases:
            try:
                m.encode(texts)
                print("no error")
            except TypeError as e:
                print("TypeError", e)
            except Exception as e:
                print("other", type(e).__name__, e)
    """)
    assert code == 0, out
    assert "TypeError texts[0][1] must be a str, got int" in out
    assert "TypeError texts[0][0] must be a str, got int" in out
    assert "TypeError texts['text'] must be a str, got int" in out
    assert "TypeError texts[0]['text_pair'] must be a str, got bytes" in out
    assert "other" not in out and "no error" not in out
