"""tvaers: Danish cross-sector clinical quality data.

Municipal care systems report FSIII-classified data once through a common gateway
(:mod:`tvaers.gateway`); national clinical quality databases (:mod:`tvaers.registry`)
combine it with hospital data and feed results back (:mod:`tvaers.publish`).
"""

__version__ = "0.1.0"
