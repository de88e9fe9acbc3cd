"""Pharmacodynamics and safety read-outs driven by the drug that acts (released, unbound) at each site.

Small modules: :mod:`.params` (sourced parameters from ``nanodds/data/pd``), :mod:`.friberg` (myelosuppression),
:mod:`.simeoni` (tumour growth inhibition), :mod:`.cardio` (cumulative anthracycline dose against its limits),
:mod:`.exposure` (time above a threshold, in the therapeutic window), :mod:`.summary` (nano vs conventional with a
therapeutic-index summary).
"""
