"""Planted secrets of the filter tests: realistic shapes, none of them real."""

AWS = "AKIAZ7Q3XK5V2M4N8P1R"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
OPENAI = "sk-proj-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0EdCbA9"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA7fJ1k9Qm2xVb8Yz0c3Lr5Tn6Hs4Pq1Wd2Fg8Kj7Ul0Ma9Nb\n"
    "Qc4Rd5Se6Tf7Ug8Vh9Wi0Xj1Yk2Zl3Am4Bn5Co6Dp7Eq8Fr9Gs0Ht1Iu2Jv3Kw4\n"
    "-----END RSA PRIVATE KEY-----\n"
)
SECRETS = (AWS, GITHUB, OPENAI, "MIIEpAIBAAKCAQEA7fJ1k9Qm2xVb8Yz0c3Lr5Tn6Hs4")
