"""The project's exception and warning types.

Every user-reachable failure in ``core`` is one of these, with a message that names the
offending value and says what to do. ``demos._ui.guard`` turns ``LabError`` into ``gr.Error``
and ``LabWarning`` into ``gr.Warning``; anything else is a bug.
"""

from __future__ import annotations


class LabError(Exception):
    """Base class for errors the user can fix (bad input, bad parameter, missing engine)."""


class AudioError(LabError):
    """Audio that cannot be used: empty, corrupt, too long, non-finite, unsupported format."""


class ParamError(LabError, ValueError):
    """A parameter out of its valid range (e.g. ``n_fft <= 0``, ``hop_length > n_fft``)."""


class EngineUnavailable(LabError):
    """No engine for a capability could serve; the message lists each engine's reason."""


class LabWarning(UserWarning):
    """A problem worth telling the user about that does not stop the work."""


class AudioWarning(LabWarning):
    """A level problem in otherwise usable audio: clipping, DC offset, near-silence."""
