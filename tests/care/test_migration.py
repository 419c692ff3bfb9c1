"""Migration 0004 seeds the R19 coefficient table."""

import pytest

from workorders.care.incentives import DEFAULT_POINTS, coefficients


def test_migration_seeds_the_coefficient_table(app, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL test runs truncate every table, seeds included")
    assert coefficients() == DEFAULT_POINTS
