"""How files announce what they are: the first bytes of the formats Rectify reads."""

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")  # legacy .doc / .xls / .wps
ZIP_SIGNATURE = b"PK\x03\x04"  # .docx / .xlsx and the other Office Open XML files
