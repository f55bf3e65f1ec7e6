"""Municipal delivery reports of Synthetic Denmark (part 2 of the generator).

From part 1's population and referrals, each block of citizens gets municipal courses
(§119 prevention, §140 rehabilitation, home care §83/§83a and home nursing §138), written as
the versions of FHIR resources an EOJ system holds (``story``), grouped into daily
per-citizen change reports (``reports``), and delivered with coverage gaps, outages, late and
invalid reports (``delivery``). ``partition`` writes the reports in submission order.
"""
