"""Settings: defaults < variant < --set, converted to each field's type, refused clearly."""

import pytest

from zoo_core import SettingsError
from zoo_core import settings as S
from zoo_fashion_mnist.dataset import FashionMNISTSettings
from zoo_vae.settings import VARIANTS, VAESettings


def test_variant_then_set_overrides_in_order():
    s = S.resolve(VAESettings, VARIANTS["vae_4d"], {"latent_dim": "8", "beta": "0.5"})
    assert (s.latent_dim, s.filters, s.dense, s.beta) == (8, (64, 128), 32, 0.5)


def test_values_are_converted_to_the_field_type():
    s = S.resolve(VAESettings, {"filters": "16,32", "epochs": "3", "precision": "mixed_bfloat16"})
    assert s.filters == (16, 32) and s.epochs == 3 and s.precision == "mixed_bfloat16"
    d = S.resolve(FashionMNISTSettings, {"limit": "none", "verify": "false"})
    assert d.limit is None and d.verify is False


@pytest.mark.parametrize(
    "key,value,fragment",
    [
        ("latent_dim", "two", "must be int"),
        ("latent_dim", "0", "must be >= 1"),
        ("precision", "float16", "must be float32|mixed_bfloat16"),
        ("filters", "8", "two positive numbers"),
        ("epochs", "1.5", "must be int"),
    ],
)
def test_bad_values_are_refused_with_what_was_expected(key, value, fragment):
    with pytest.raises(SettingsError, match=fragment):
        S.resolve(VAESettings, {key: value}, owner="model 'vae'")


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1e3x"])
def test_dataset_limit_must_be_a_positive_number(value):
    with pytest.raises(SettingsError, match="limit"):
        S.resolve(FashionMNISTSettings, {"limit": value})


def test_unknown_key_lists_close_matches_and_valid_keys():
    with pytest.raises(SettingsError) as e:
        S.resolve(VAESettings, {"latnet_dim": "3"})
    assert "Did you mean latent_dim" in str(e.value) and "learning_rate" in str(e.value)


def test_parse_assignments_with_scopes():
    assert S.parse_assignments(["a=1", "manifold.n=10", "x=a=b"]) == [
        (None, "a", "1"),
        ("manifold", "n", "10"),
        (None, "x", "a=b"),
    ]
    with pytest.raises(SettingsError, match="key=value"):
        S.parse_assignments(["novalue"])
