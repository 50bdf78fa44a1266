"""A finding: one rule's verdict on one institution, the unit of the output contract."""

from dataclasses import asdict, dataclass, field

STATUSES = ("pass", "breach", "warn", "not_applicable", "error")


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

    def to_json(self) -> dict:
        return asdict(self)
