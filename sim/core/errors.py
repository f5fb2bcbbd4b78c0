"""The two error types that cross the sim boundary."""


class ParamError(ValueError):
    """A parameter value is unknown, malformed or out of its allowed range.

    The message names the parameter and the allowed values, so a CLI can
    print it as one line.
    """


class TraceError(ValueError):
    """A trace file is unreadable or fails validation; names file and field."""

    def __init__(self, path, field: str, problem: str):
        self.path = str(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: field '{field}': {problem}")
