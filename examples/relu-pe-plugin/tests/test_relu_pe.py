"""relu_pe passes the harness's conformance checks, written with its plugin kit.

The fixtures (``harness_settings``, ``harness_registry``) come from the harness's pytest plugin:
results go to temporary folders, nothing is downloaded and W&B is off.
"""

from harness.testing import check_method, check_method_registration


def test_relu_pe_is_registered_for_the_inr_slot(harness_registry):
    assert check_method_registration("relu_pe", registry=harness_registry).slot == "inr_init"


def test_relu_pe_conforms_on_every_inr_task(harness_settings):
    check_method("relu_pe", settings=harness_settings)
