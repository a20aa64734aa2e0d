"""relu_pe passes the harness's conformance checks, written with its plugin kit.

The fixtures (``harness_settings``, ``harness_registry``) come from the harness's pytest plugin:
results go to temporary folders, nothing is downloaded and W&B is off.
"""

import pytest

from harness.testing import UndeclaredMetrics, check_method, check_method_registration


def test_relu_pe_is_registered_for_the_inr_slot(harness_registry):
    assert check_method_registration("relu_pe", registry=harness_registry).slot == "inr_init"


# The harness's own INR tasks report 'mse' without declaring it; the marker makes this test fail
# (strict) as soon as they do, so it can be removed then. Any failure of relu_pe's own fails it.
@pytest.mark.xfail(
    raises=UndeclaredMetrics, strict=True, reason="declared by the metric-kind change of issue 13"
)
def test_relu_pe_conforms_on_every_inr_task(harness_settings):
    check_method("relu_pe", settings=harness_settings)
