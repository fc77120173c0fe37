"""The settings models of mandates and their recurring debits: one per function,
composed of the groups it uses."""

from __future__ import annotations

from paybridge.settings.groups import FollowStart, MandateCommands, MandateDebitFlow, MandateDebitsTable


class GetMandateSettings(MandateCommands):
    """get_mandate."""


class ListMandatesSettings(MandateCommands):
    """list_mandates."""


class RevokeMandateSettings(MandateCommands):
    """revoke_mandate."""


class PauseMandateSettings(MandateCommands):
    """pause_mandate."""


class ResumeMandateSettings(MandateCommands):
    """resume_mandate."""


class TrackMandateSettings(MandateCommands):
    """track_mandate: MANDATE_* webhooks keep the mandates table current."""


class NotifyMandateDebitSettings(MandateDebitFlow):
    """notify_mandate_debit: the pre-debit notification of a billing cycle."""


class ExecuteMandateDebitSettings(MandateDebitFlow, FollowStart):
    """execute_mandate_debit: the notified debit, executed once and followed."""


class GetMandateDebitSettings(MandateDebitsTable):
    """get_mandate_debit: one billing cycle's debit as recorded."""


class TrackMandateDebitSettings(MandateDebitFlow):
    """track_mandate_debit: a recurring debit followed to its final state."""
