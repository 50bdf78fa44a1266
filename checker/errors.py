"""The three kinds of failure, kept apart because they mean different things to a user.

- A breach is not an error: it is a finding (exit 1).
- InputError: the extract cannot be used as given (exit 2). The message is one line
  that names the file and says what to fix.
- RuleDefinitionError: a rule or schema file is wrong; also a usage problem (exit 2).
Anything else that escapes is a bug in the tool (exit 3).
"""


class InputError(Exception):
    """The extract (or a command-line argument) cannot be used."""

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class RuleDefinitionError(InputError):
    """A rule, profile or schema file is malformed."""
