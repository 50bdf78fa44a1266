"""The three kinds of failure, kept apart because they mean different things to a user.

- A breach is not an error: it is a finding (exit 1).
- InputError: the extract cannot be used as given (exit 2). It renders as one line that
  names the file and says what to fix, in the user's language (checker/messages.py).
- RuleDefinitionError: a rule, profile or schema file is wrong; also exit 2. Its text is
  for the analyst who wrote the file and stays in English.
Anything else that escapes is a bug in the tool (exit 3).
"""

from checker import messages


class InputError(Exception):
    """The extract (or a command-line argument) cannot be used."""

    def __init__(self, source: str, key: str, **params):
        self.source = source
        self.key = key
        self.params = params
        super().__init__(self.render("en"))

    def render(self, lang: str = "zh") -> str:
        return _one_line(f"{self.source}: {messages.text(self.key, lang, **self.params)}")


class RuleDefinitionError(InputError):
    """A rule, profile or schema file is malformed."""

    def __init__(self, source: str, problem: str):
        self.problem = problem
        super().__init__(source, "rule_file", problem=problem)

    def render(self, lang: str = "zh") -> str:
        return _one_line(f"{self.source}: {self.problem}")


def _one_line(text: str) -> str:
    """Errors are one line for cron mail and log greps, whatever the data put in them."""
    return " ".join(text.split())


def first_line(error: Exception) -> str:
    """The first line of a library's error message (or its type when it has none): enough
    for a one-line message, without the library's multi-line detail."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
