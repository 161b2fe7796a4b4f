"""Survey statistics in pure numpy/scipy, matching R's ``survey`` package.

Designs (:func:`make_design`), Taylor-linearisation variance, estimators with domains and CIs, weighting
(post-stratification, raking, calibration, trimming), replicate weights, sample size and allocation,
selection with inclusion probabilities, and the official satisfaction indices.

Importing the package is cheap: each public name is imported from its module on first use (PEP 562), so a
command that needs a design and a mean loads neither the index machinery nor scipy.stats.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._errors import ConvergenceError, DesignError, EstimationError, SamplingError, WeightingError
    from ._util import CodedColumn
    from .answer_summary import AnswerSummary, SegmentMismatch, extend_summary, summarise_answers
    from .change import change_from_estimates, change_from_summaries, period_change
    from .contrasts import Contrast, DomainCovariance, contrast, difference, domain_covariance
    from .covariance import taylor_covariance
    from .crosstab import CrossTab, RaoScottTest, crosstab, rao_scott
    from .design import LONELY_PSU_POLICIES, Design, LonelyPSU, make_design
    from .dispersion import population_variance
    from .estimate import (
        CIMethod,
        Estimate,
        by_domain,
        domain_codes,
        mean,
        proportion,
        proportion_ci,
        ratio,
        t_quantile,
        total,
    )
    from .index_definition import Element, Group, IndexDefinition, Overall
    from .indices import (
        HealthIndicators,
        IndexDefinitionError,
        IndexLevel,
        IndexResult,
        compute_index,
        compute_index_by,
        health_indicators,
    )
    from .quantiles import Quantile, quantile, quantiles_by
    from .rates import ResponseRates, aapor_response_rates
    from .replicates import ReplicateDesign, ReplicateType, make_replicates, replicate_estimate
    from .selection import (
        MultistageSample,
        Sample,
        StageSpec,
        inclusion_probabilities,
        inclusion_probabilities_pps,
        multistage,
        pps_systematic,
        reserve,
        select_with_certainty,
        srs,
        systematic,
    )
    from .size import (
        Allocation,
        SampleSize,
        allocate,
        cluster_design_effect,
        margin_of_error,
        sample_size_mean,
        sample_size_proportion,
        slovin,
    )
    from .ttest import TTest, ttest
    from .user_replicates import (
        UserReplicateDesign,
        make_user_replicates,
        user_replicate_estimate,
        user_replicate_quantile,
    )
    from .variance import project_scores, taylor_variance
    from .weighting import (
        CalibrationResult,
        NonresponseFactors,
        RakeResult,
        WeightDiagnostics,
        base_weights,
        calibrate,
        dummy_matrix,
        nonresponse_adjust,
        nonresponse_factors,
        poststratify,
        rake,
        trim_weights,
        weight_diagnostics,
    )

# The module of every public name (one entry per module, as imported above for type checkers).
_MODULES: dict[str, tuple[str, ...]] = {
    "_errors": ("ConvergenceError", "DesignError", "EstimationError", "SamplingError", "WeightingError"),
    "_util": ("CodedColumn",),
    "answer_summary": ("AnswerSummary", "SegmentMismatch", "extend_summary", "summarise_answers"),
    "change": (
        "change_from_estimates",
        "change_from_summaries",
        "period_change",
    ),
    "contrasts": (
        "Contrast",
        "DomainCovariance",
        "contrast",
        "difference",
        "domain_covariance",
    ),
    "covariance": ("taylor_covariance",),
    "crosstab": (
        "CrossTab",
        "RaoScottTest",
        "crosstab",
        "rao_scott",
    ),
    "dispersion": ("population_variance",),
    "quantiles": (
        "Quantile",
        "quantile",
        "quantiles_by",
    ),
    "ttest": (
        "TTest",
        "ttest",
    ),
    "user_replicates": (
        "UserReplicateDesign",
        "make_user_replicates",
        "user_replicate_estimate",
        "user_replicate_quantile",
    ),
    "design": ("LONELY_PSU_POLICIES", "Design", "LonelyPSU", "make_design"),
    "estimate": (
        "CIMethod",
        "Estimate",
        "by_domain",
        "domain_codes",
        "mean",
        "proportion",
        "proportion_ci",
        "ratio",
        "t_quantile",
        "total",
    ),
    "index_definition": ("Element", "Group", "IndexDefinition", "Overall"),
    "indices": (
        "HealthIndicators",
        "IndexDefinitionError",
        "IndexLevel",
        "IndexResult",
        "compute_index",
        "compute_index_by",
        "health_indicators",
    ),
    "rates": ("ResponseRates", "aapor_response_rates"),
    "replicates": ("ReplicateDesign", "ReplicateType", "make_replicates", "replicate_estimate"),
    "selection": (
        "MultistageSample",
        "Sample",
        "StageSpec",
        "inclusion_probabilities",
        "inclusion_probabilities_pps",
        "multistage",
        "pps_systematic",
        "reserve",
        "select_with_certainty",
        "srs",
        "systematic",
    ),
    "size": (
        "Allocation",
        "SampleSize",
        "allocate",
        "cluster_design_effect",
        "margin_of_error",
        "sample_size_mean",
        "sample_size_proportion",
        "slovin",
    ),
    "variance": ("project_scores", "taylor_variance"),
    "weighting": (
        "CalibrationResult",
        "NonresponseFactors",
        "RakeResult",
        "WeightDiagnostics",
        "base_weights",
        "calibrate",
        "dummy_matrix",
        "nonresponse_adjust",
        "nonresponse_factors",
        "poststratify",
        "rake",
        "trim_weights",
        "weight_diagnostics",
    ),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "change_from_estimates",
    "change_from_summaries",
    "period_change",
    "Contrast",
    "DomainCovariance",
    "contrast",
    "difference",
    "domain_covariance",
    "taylor_covariance",
    "CrossTab",
    "RaoScottTest",
    "crosstab",
    "rao_scott",
    "population_variance",
    "Quantile",
    "quantile",
    "quantiles_by",
    "TTest",
    "ttest",
    "UserReplicateDesign",
    "make_user_replicates",
    "user_replicate_estimate",
    "user_replicate_quantile",
    "CodedColumn",
    "AnswerSummary",
    "SegmentMismatch",
    "ResponseRates",
    "aapor_response_rates",
    "extend_summary",
    "summarise_answers",
    "LONELY_PSU_POLICIES",
    "Allocation",
    "CIMethod",
    "CalibrationResult",
    "ConvergenceError",
    "Design",
    "DesignError",
    "Element",
    "Estimate",
    "EstimationError",
    "HealthIndicators",
    "Group",
    "IndexDefinition",
    "IndexDefinitionError",
    "IndexLevel",
    "IndexResult",
    "LonelyPSU",
    "MultistageSample",
    "NonresponseFactors",
    "Overall",
    "RakeResult",
    "ReplicateDesign",
    "ReplicateType",
    "Sample",
    "SampleSize",
    "SamplingError",
    "StageSpec",
    "WeightDiagnostics",
    "WeightingError",
    "allocate",
    "base_weights",
    "by_domain",
    "calibrate",
    "cluster_design_effect",
    "compute_index",
    "compute_index_by",
    "domain_codes",
    "dummy_matrix",
    "health_indicators",
    "inclusion_probabilities",
    "inclusion_probabilities_pps",
    "make_design",
    "make_replicates",
    "margin_of_error",
    "mean",
    "multistage",
    "nonresponse_adjust",
    "nonresponse_factors",
    "poststratify",
    "pps_systematic",
    "project_scores",
    "proportion",
    "proportion_ci",
    "rake",
    "ratio",
    "replicate_estimate",
    "reserve",
    "sample_size_mean",
    "sample_size_proportion",
    "select_with_certainty",
    "slovin",
    "srs",
    "systematic",
    "t_quantile",
    "taylor_variance",
    "total",
    "trim_weights",
    "weight_diagnostics",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'sampling' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
