"""A finding: one rule's verdict on one institution, the unit of the output contract."""

from dataclasses import asdict, dataclass, field

STATUSES = ("pass", "breach", "warn", "not_applicable", "error", "waived")
# A breach or warning is what a reader acts on; what the change marks follow.
FLAGGED = ("breach", "warn")


@dataclass
class Finding:
    institution_id: str
    institution_name: str
    rule_id: str
    rule_version: int
    status: str
    metric: float | None
    threshold: float | None
    unit: str
    exceptions: int
    message: str
    source: dict[str, str]
    details: dict = field(default_factory=dict)
    # The parameter values in force on the as-of date that this finding was judged with.
    parameters: dict = field(default_factory=dict)
    # Against the previous as-of date in the history (checker/changes.py): mark, since,
    # previous_status. None when the run kept no history.
    change: dict | None = None
    # The waiver that turned a breach into `waived` (checker/waivers.py), with the
    # original status; None when no waiver applies.
    waiver: dict | None = None

    @property
    def original_status(self) -> str:
        """The verdict before any waiver: what the history and the change marks follow."""
        return self.waiver["original_status"] if self.waiver else self.status

    def to_json(self) -> dict:
        return asdict(self)
