"""Why a harvest stopped, or a record or image was refused, in the reader's language (codes: fetching, protocol)."""

from core.i18n import _


def failure_message(code: str | None, detail: str | None = None) -> str | None:
    """A sentence for the code a run ended with; None when it ended well."""
    if not code:
        return None
    detail = detail or ""
    if code.startswith("oai:"):
        # i18n: %(code)s is an OAI-PMH error code such as badArgument, %(detail)s the source's own words
        return _("The source answered with the OAI-PMH error %(code)s: %(detail)s", code=code[4:], detail=detail)
    messages = {
        "network": _("The source could not be reached, even after several tries (%(detail)s). The next harvest "
                     "goes on where this one stopped.", detail=detail),
        "too_slow": _("The source took too long to answer. The next harvest goes on where this one stopped."),
        "crashed": _("The harvest stopped unexpectedly (%(detail)s). The next one goes on where it stopped.",
                     detail=detail),
        "superseded": _("A later harvest of the same source replaced this one."),
        "too_large": _("An answer of the source was larger than allowed (%(detail)s): refused.", detail=detail),
        "other_host": _("The source redirected the harvest to another host (%(detail)s): refused.", detail=detail),
        "too_many_redirects": _("The source redirected the harvest too many times: refused."),
        "bad_url": _("The source pointed to an address that is not http or https: refused."),
        "http_status": _("The source answered with an error (%(detail)s).", detail=detail),
        "not_xml": _("The source's answer is not well-formed XML (%(detail)s).", detail=detail),
        "xml_forbidden": _("The source's answer declares a DTD, through which entities could be expanded or fetched: "
                           "refused whole."),
        "not_oai": _("The address does not answer as an OAI-PMH repository (%(detail)s).", detail=detail),
        "bad_date": _("The source's answer has no valid responseDate (%(detail)s).", detail=detail),
        "bad_granularity": _("The source names no valid datestamp granularity (%(detail)s).", detail=detail),
        "endless_token": _("The source repeated a resumption token: the list would never end, so the harvest "
                           "stopped."),
        "too_many_pages": _("The source's list ran past %(detail)s pages: the harvest stopped.", detail=detail),
    }  # fmt: skip
    return messages.get(code) or _("The harvest stopped: %(code)s %(detail)s", code=code, detail=detail)


def problem_message(problem: dict) -> str:
    """A sentence for a record skipped or an image not kept (interop.harvest.running keeps code and detail)."""
    code, detail = problem.get("code"), problem.get("detail") or ""
    messages = {
        "no_identifier": _("The record has no identifier."),
        "bad_datestamp": _("The record's datestamp is not a date (%(detail)s).", detail=detail),
        "record_too_large": _("The record is larger than allowed (%(detail)s).", detail=detail),
        "no_oai_dc": _("The record has no oai_dc metadata."),
        "unreadable": _("The record could not be read (%(detail)s).", detail=detail),
        "held_elsewhere": _("The record is already harvested from %(detail)s.", detail=detail),
        "code_taken": _("The reference code %(code)s is already used by another item.", code=detail),
        "not_stored": _("The record could not be stored (%(detail)s).", detail=detail),
        "image": _("Its image was not kept: %(detail)s", detail=detail),
    }  # fmt: skip
    return messages.get(code) or f"{code} {detail}".strip()


def state_label(state) -> str:
    """The name of a run's state in the reader's language."""
    return {
        "queued": _("queued"),
        "running": _("running"),
        "interrupted": _("interrupted"),
        "complete": _("complete"),
        "failed": _("failed"),
    }.get(str(state), str(state))
