"""The FSIII and CareSocialCodes codes the municipal generator writes (from the IGs' value sets).

Home-care codes come in two generations around the FSIII simplification: the legacy-era
concepts (conditions ``J*.*``, interventions ``H1.*`` §83 and ``H2.*`` §83a "RH") and the
simplified concepts ("Personlig pleje", "Personlig hjælp og pleje" with a local level-3 code).
"""

from __future__ import annotations

LOCAL_CARE = "http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions"

# --- CareSocialCodes ------------------------------------------------------------------
SERVICE_140 = "7fc66c15-0cb3-4c89-9e18-f3a01e6a6592"
SERVICE_119 = "a71921ea-fe83-441d-933b-cc21d0b3c8c3"
GOP_CATEGORY = {
    "almen": "ffd81f78-352e-4589-a195-5350dd1df2a4",
    "specialiseret": "0c8e2bfc-1350-45d1-90da-c07e2645d073",
    "rehabilitering": "83c89857-8fb8-4163-97b1-eb1a56345c29",
}
GOP_BASAL = "8b962281-2ab6-4b10-9c91-4bac592d6d49"
SR_STATUS_REASON = {
    "udskudt": "a8632e22-bf0c-4f5a-92a7-70977ba104d5",
    "frit_valg": "3796fa11-305f-47d6-b164-45b05489afb2",
    "frit_valg_afslaaet": "46a6bc1f-bfe8-4390-a71f-44ad4a384b9d",
    "anden_kommune": "f64b8f5e-8ced-4a8b-ab73-8994fb524915",
}
FORLOEB_119 = "5c160c02-e858-4c1f-925a-71ed64844749"
FORLOEB_140 = "f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb"
#: Cancellation reasons of a forløb (CancellationTypes), drawn for dropouts.
CANCELLATION = (
    "3a5a72b7-addf-4857-b80c-04e4246e3072",  # Aktivt fravalg
    "0cd5734d-b663-47c6-a3da-6b14a937d144",  # Aktivt fravalg pga. anden sygdom
    "4bbf6d6a-a1c6-41c2-b8c1-7352b7378adf",  # Ikke yderligere behov (borger-vurderet)
    "a63b6aa6-7d56-4e67-a5b3-d73f6d262af5",  # Ikke yderligere behov (fagperson-vurderet)
    "ef491570-7884-4acd-bcf7-43d6b2c64762",  # Borger har ikke henvendt sig eller er udeblevet
    "8371b769-4bfb-4ac8-b130-d91c54784a56",  # Aktivt fravalg pga. logistik ifm. transport
)
CANCELLATION_WEIGHTS = (0.30, 0.20, 0.15, 0.10, 0.20, 0.05)
CANCEL_EVENT = "82e99421-31da-4915-96ed-168ccfa1d20c"  # Hændelse medfører ophør (death)
DELIVERY_INDIVIDUAL = "8d12d74c-17da-47a7-a4fe-e69dbaec0a8c"
DELIVERY_GROUP = "2865f123-15a7-4a36-a514-32ea37c400ca"
ENC_FOLLOW_UP = "9f03dfbb-7a97-45a5-94db-d4c3501714a9"  # opfølgning
GOAL_CATEGORY = "ca552020-6ed1-4cdc-b0d4-32697f1f27ad"
GOAL_MEASURE = "66959f77-6e2a-4574-8423-3ff097f8b9fa"
GOAL_DESCRIPTION = "e182c5dc-9f91-474a-92e8-f62be3d498f4"  # FSIII
SCREEN_VISIT = "124be95d-6924-4609-9d2a-e7c73ae3ab3d"  # Skærmbesøg (CareSocialCodes)

# --- §119 -----------------------------------------------------------------------------
C119_TOBACCO = "1a34ed6c-083b-451f-b8c8-137f99126b0c"  # Tobak og nikotin (Sundhedsadfærd)
C119 = {
    "heart": ("f1f1eee3-a3ea-4ca1-bfa9-ebb381af1a1f", "e3ff3fea-a4ff-4c7b-ad04-f4aad2e67fd3"),
    "copd": ("e33396bb-019a-4fda-b901-1dbfdea1fc10", "f1f1eee3-a3ea-4ca1-bfa9-ebb381af1a1f"),
    "diabetes": ("c0ee1cf6-47a9-4523-8fda-a80a13e28e30", "febbd20d-f5ff-41e7-bf12-dfa0700678e0"),
}
I119_CLARIFY = "6eddbaf7-2a73-49d4-91e7-6138d419f58c"  # Afklarende samtale (no basedOn)
I119_CLOSING = "03a3ebdb-9e2d-4be1-b32b-42f0bd2a3362"  # Afsluttende samtale (no basedOn)
I119_TRAINING = "ab87c0b5-40be-4e0a-b749-d9f833bfed2d"  # Fysisk træning
I119_DISEASE = "e71b7d85-5c78-49c2-8624-8499d162317b"  # Sygdomshåndtering
I119_DIET = "c9a99304-1788-43b7-b7be-e187b092ae9c"  # Kostvejledning
I119_TOBACCO = "6d24992e-e0a2-43e7-bc27-0234622a8655"  # Nikotin- og tobaksafvænning

# --- §140 -----------------------------------------------------------------------------
C140 = (
    "dd41df82-3c13-4523-b9c5-e83676425299",  # Mobilitet og bevægelse
    "86e1982c-f459-4658-9071-e4bf3453a687",  # Forflytte sig
    "c6f49b84-58af-43df-bb3e-0d6a67fa0aba",  # Bevægeapparat
    "243ae4ae-4e36-4192-88cb-399711ac3766",  # Personlig pleje
)
I140_ASSESS = "1130ad70-6553-490d-87f8-5e8941687a0c"  # Terapeutfaglig udredning (no basedOn)
I140_TRAINING = (
    "2abe20c7-c0b4-41c1-b397-52acf36499ef",  # Fysisk træning
    "58293f63-00d7-4730-8dbc-c784d40f9e23",  # Funktionstræning
    "7f825e3e-1a5c-4249-bf41-9f7171fb6b8a",  # ADL-træning
)

# --- care (§83, §83a, §138) -----------------------------------------------------------
#: Condition groups: legacy-era concepts (UUID codes; legacy keys J*.*) and the simplified
#: concept that replaces them after the switch.
CARE_GROUPS = (
    ("feb38b55-c2d7-4d57-99c2-93622eaa0025",  # Personlig pleje
     ("4d46bd94-9518-431c-82e8-ebb91bca307a", "e853d3e7-1de5-44f0-ab48-1fb20c449035")),  # J1.1, J1.3
    ("d8aa5f09-cd9c-4996-a853-1c95ee98f25c",  # Mobilitet og bevægelse
     ("4f915ee9-9f30-47b5-b582-c0f1467dd271", "51697715-965a-40f3-b4a5-819103bf9d49")),  # J3.2, J3.8
    ("41c201d5-6d3d-4576-b3d2-510a9b105631",  # Spise og drikke
     ("888c8f63-c059-46c3-8f36-f9649dbd0771",)),  # J1.6 Spise
    ("d7687a4e-d848-4931-940e-8ef338eb3f85",  # Kognitive funktioner
     ("a3ac7928-77c9-425c-a7f1-1248a3764d0a",)),  # J4.2 Hukommelse
)  # fmt: skip
#: §83a reablement: legacy "RH" interventions per condition group; simplified level 2 + local.
REABLEMENT_LEGACY = (
    "2912752c-2e9e-4702-8787-b45f73ff5b05",  # H2.5 RH Personlig hygiejne
    "0b654911-f2b6-47d3-948b-3e9fb315b4c9",  # H2.4 RH Mobilitet
    "754c06a7-d6f1-4f8d-ad3e-a5c109efaca6",  # H2.1 RH Ernæring
    "f9cd3ded-f8af-4060-aad5-7e7c342d0230",  # H2.2 RH Hverdagens aktiviteter
)
PERSONAL_CARE = "8dc5f564-b8c6-4aa1-ba34-682d62d15f31"  # Personlig hjælp og pleje (simplified)
PRACTICAL_HELP = "52de9a13-8605-4a80-8a40-78101a55c4a3"  # Praktisk hjaelp i hjemmet
REABLEMENT_LOCAL = ("sel83a-rehabilitering", "§ 83a Rehabiliteringsforløb")
#: §83 personal care (stk. 1 nr. 1), legacy codes and the local level-3 code after the switch.
HOME_CARE_LEGACY = (
    "17312894-b23f-43d9-9723-b725ac25d872",  # H1.1 Personlig hygiejne
    "ef8ee035-00d2-48b9-b366-27753ccd5504",  # H1.4 Mobilitet
    "ac68ca34-bfad-4254-a715-6fd758838e67",  # H1.3 Ernæring
    "a3af0522-e228-4a6a-b5c2-c9fcf0f3b2c4",  # H1.6 Tilsyn/omsorg
)
HOME_CARE_LOCAL = (
    ("sel83-personlig-hygiejne", "Personlig hygiejne"),
    ("sel83-mobilitet", "Mobilitet"),
    ("sel83-ernaering", "Ernæring"),
    ("sel83-tilsyn-omsorg", "Tilsyn/omsorg"),
)
PRACTICAL_LEGACY = "43608562-e356-4990-8b96-e35128bbdc4f"  # H1.8 Rengøring
NURSING = (  # (condition, intervention): nursing codes have no severity
    ("19503407-1ae8-4b17-b96a-98387c24278d", "76878386-b3d2-4320-828a-a700e8a66234"),  # venøst sår
    ("116ff724-09b7-45c0-bee5-8bbf1d500c63", "e6c95074-ce45-488a-af8b-b6b39d20808f"),  # vandladning
    ("dae40f60-8dab-4bd3-ab72-b07d0f278692", "d2d42368-9d6d-4ca2-affe-f7116da86e1b"),  # respiration
)
FOLLOW_UP_CONTINUES = "9c90b0e5-9c0a-4b72-a18c-76cd6d6c6213"  # E1 Fortsættes
FOLLOW_UP_ENDS = "59753987-c38d-41c5-b201-0eeff3032fef"  # E3 Afsluttes
