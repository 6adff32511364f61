"""The shell analysis on its own: words as bash sees them, every command found, the working
directory followed through `cd`, redirects, pipelines and here-documents."""

from __future__ import annotations

import textwrap

import pytest

from cockpit.policy.shell.analysis import analyze, split_simple

HOME = "/home/u"
ROOT = "/ws"


def argvs(script: str) -> list[list[str]]:
    return [[w.text for w in c.argv] for c in analyze(script, ROOT, HOME).commands]


@pytest.mark.parametrize(
    ("script", "words"),
    [
        ("r\\m -rf x", ["rm", "-rf", "x"]),
        ("'r'\"m\" x", ["rm", "x"]),
        ("r''m x", ["rm", "x"]),
        ("$'\\x72m' $'a\\tb'", ["rm", "a\tb"]),
        ("echo \"a b\" a\\ b 'c  d'", ["echo", "a b", "a b", "c  d"]),
        ('echo "a\\"b\\$c\\d"', ["echo", 'a"b$c\\d']),
        ("echo x{a,b}y {1..3}", ["echo", "xay", "xby", "1", "2", "3"]),
        ("echo '{a,b}' \"{c,d}\"", ["echo", "{a,b}", "{c,d}"]),
        ("echo $HOME/x ${HOME}", ["echo", "/home/u/x", "/home/u"]),
        ("ls \\\n  -la", ["ls", "-la"]),
        ("/usr/bin/env A=1 ls", ["/usr/bin/env", "A=1", "ls"]),
    ],
)
def test_words_are_unquoted_as_bash_does(script: str, words: list[str]) -> None:
    assert argvs(script) == [words]


def test_word_flags() -> None:
    cmd = analyze("cat ~/a \"~/b\" *.py '*.py' \"$x\" '$y' <(ls)", ROOT, HOME).commands[-1]
    tilde = [w.tilde for w in cmd.argv[1:]]
    glob = [w.glob for w in cmd.argv[1:]]
    dynamic = [w.dynamic for w in cmd.argv[1:]]
    assert tilde == [True, False, False, False, False, False, False]
    assert glob == [False, False, True, False, False, False, False]
    assert dynamic == [False, False, False, False, True, False, True]
    assert cmd.argv[-1].fd and [c.argv[0].text for c in cmd.argv[-1].sub] == ["ls"]


def test_every_command_in_every_construct_is_found() -> None:
    script = """
    a1 | a2 |& a3 && a4 || a5 & a6; (a7; a8); { a9; }
    { b1; } ; x=$(b2 "$(b3)") ; echo `b4` <(b5) >(b6)
    if b7; then b8; elif b9; then c1; else c2; fi
    for i in $(c3); do c4; done; while c5; do c6; done; until c7; do c8; done
    case $x in a) c9;; b) d1;; esac
    f() { d2; }; function g { d3; }
    [[ $(d4) == x ]] && ! d5
    export Y=$(d6); local z=`d7`
    cat <<EOF
    $(d8)
    EOF
    echo $(( $(d9) + 1 )) ${v:-$(e1)}
    """
    found = {
        c.argv[0].text for c in analyze(textwrap.dedent(script), ROOT, HOME).commands if c.argv
    }
    expected = {f"a{i}" for i in range(1, 10)} | {f"b{i}" for i in range(1, 10)}
    expected |= {f"c{i}" for i in range(1, 10)} | {f"d{i}" for i in range(1, 10)} | {"e1"}
    assert expected <= found


@pytest.mark.parametrize(
    ("script", "cwd"),
    [
        ("cd src && ls", "/ws/src"),
        ("cd src; cd ../docs; ls", "/ws/docs"),
        ("(cd src); ls", "/ws"),
        ("cd src || exit 1; ls", "/ws/src"),
        ("cd /tmp && ls", "/tmp"),
        ("cd; ls", HOME),
        ("cd ~/x && ls", "/home/u/x"),
        ("cd src & ls", "/ws"),
        ("cd src | ls", "/ws"),
        ('cd "$d" && ls', None),
        ("cd - && ls", None),
        ("if x; then cd src; fi; ls", None),
        ("cd src || cd docs; ls", None),
        ("popd; ls", None),
        ("builtin cd src; ls", None),
    ],
)
def test_the_working_directory_follows_cd(script: str, cwd: str | None) -> None:
    commands = analyze(script, ROOT, HOME).commands
    assert commands[-1].argv[0].text == "ls"
    assert commands[-1].cwd == cwd


def test_redirects_are_recorded_with_their_cwd() -> None:
    found = analyze("ls > out 2>&1 >&- 3<&0; cd src && cat < in >> log &> /dev/null", ROOT, HOME)
    targets = [(r.op, r.target.text if r.target else None, r.cwd) for r in found.redirects]
    assert targets == [
        (">", "out", "/ws"),
        ("<", "in", "/ws/src"),
        (">>", "log", "/ws/src"),
        ("&>", "/dev/null", "/ws/src"),
    ]


def test_pipelines_know_what_feeds_them() -> None:
    commands = analyze("curl x | gunzip | sh", ROOT, HOME).commands
    assert [c.stdin for c in commands] == ["inherit", "pipe", "pipe"]
    assert [c.argv[0].text for c in commands[2].upstream] == ["curl", "gunzip"]


def test_here_documents_and_strings_feed_stdin() -> None:
    quoted, plain, dynamic, here = analyze(
        "sh <<'EOF'\nrm $x\nEOF\nsh <<EOF\nls\nEOF\nsh <<EOF\n$y\nEOF\nsh <<< 'pwd'",
        ROOT,
        HOME,
    ).commands
    assert (quoted.stdin, quoted.stdin_script) == ("heredoc", "rm $x\n")
    assert (plain.stdin, plain.stdin_script) == ("heredoc", "ls\n")
    assert (dynamic.stdin, dynamic.stdin_script) == ("heredoc", None)
    assert (here.stdin, here.stdin_script) == ("herestring", "pwd\n")


def test_parse_errors_and_functions_are_reported() -> None:
    broken = analyze("ls |", ROOT, HOME)
    assert broken.problems and broken.problems[0][0] == "parse-error"
    assert "cannot parse" in broken.problems[0][1]
    assert analyze("f() { ls; }; function g { :; }", ROOT, HOME).functions == {"f", "g"}


def test_split_simple_is_for_one_plain_command_only() -> None:
    words = split_simple("rm -rf 'a b'", ROOT, HOME)
    assert words is not None and [w.text for w in words] == ["rm", "-rf", "a b"]
    assert split_simple("a; b", ROOT, HOME) is None
    assert split_simple("rm $x", ROOT, HOME) is None
    assert split_simple("ls > f", ROOT, HOME) is None
