"""What happened to the ledger, as signals, for whoever must hear of it (the notifications
app) without issues knowing who listens: issues imports no app that reacts to its work.

Each is sent by the service that did the thing, inside its transaction, after the change is
saved: a receiver that writes rows writes them in the same transaction (they roll back
together); one that talks to the outside world defers that with transaction.on_commit.
"""

from django.dispatch import Signal

# A unit got a finding to work on (a new responsible or cooperating link):
# finding, unit, role (FindingUnit.Role), user (who assigned it).
unit_assigned = Signal()

# Many units got findings to work on at once (an import, issues.services.findings_save),
# told together: links (the new FindingUnit rows, each with its finding, unit and role), user.
units_assigned = Signal()

# A close-out step was taken (workflow.STEPS: start, submit, close, return, reopen):
# finding, step (its name), user, comment.
finding_stepped = Signal()

# An extension or archive request was filed: request, user.
request_filed = Signal()

# A request was decided: request, user, approved (bool).
request_decided = Signal()

# A provincial notice item reached counties: item, findings (the new copies), user.
notice_assigned = Signal()

# A finding was urged (催办): urge (its unit None when the province urges the county), user.
finding_urged = Signal()

# A unit's contact acknowledged (签收) the unit's task on a finding: link (FindingUnit), user.
finding_acknowledged = Signal()

# The lead unit handed a finding back for the office to reassign: link, user, reason.
finding_handed_back = Signal()

# A unit's contact reported progress (or proposed a result) for the office to accept:
# progress, user.
progress_submitted_by_unit = Signal()

# The office returned a unit's note with a comment: progress, user, comment.
progress_returned = Signal()

# The office accepted a unit's note (a proposed result is now the finding's): progress, user.
progress_accepted = Signal()
