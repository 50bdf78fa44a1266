"""The one-screen summary printed after a run (stdout, and for the mail job)."""

from collections import Counter, defaultdict
from pathlib import Path


def summary_text(result, out_dir: Path) -> str:
    institutions = {
        f.institution_id for f in result.findings if _subject(result, f) == "institution"
    }
    guarantors = {f.institution_id for f in result.findings} - institutions
    rows_read = sum(i.rows for i in result.inputs)
    lines = [
        f"loancheck {result.tool_version} · as of {result.as_of_date or '—'}"
        f" · profile {result.profile}",
        f"Checked {len(institutions)} institutions and {len(guarantors)} government guarantors; "
        f"{rows_read:,} rows read, {result.rows_rejected:,} rejected"
        + (" (see rejected_rows.csv)" if result.rows_rejected else ""),
        "",
        f"{'rule':<26} {'breach':>6} {'warn':>5} {'pass':>5} {'n/a':>5}  breaching",
    ]
    counts: dict[str, Counter] = defaultdict(Counter)
    breaching: dict[str, list[str]] = defaultdict(list)
    for finding in result.findings:
        counts[finding.rule_id][finding.status] += 1
        if finding.status == "breach":
            breaching[finding.rule_id].append(finding.institution_id)
    for rule in result.rules:
        c = counts[rule.id]
        who = ", ".join(breaching[rule.id][:6]) + (" …" if len(breaching[rule.id]) > 6 else "")
        counts_text = f"{c['breach']:>6} {c['warn']:>5} {c['pass']:>5} {c['not_applicable']:>5}"
        lines.append(f"{rule.id:<26} {counts_text}  {who}")
        if c["error"]:
            lines.append(f"{'':<26} {c['error']} error(s): the rule could not run")
    lines += ["", f"Reports: {out_dir / 'index.html'}"]
    return "\n".join(lines)


def _subject(result, finding) -> str:
    return next(r.subject for r in result.rules if r.id == finding.rule_id)
