"""Pure rules shared by hub and console: models, schemas, policy, timers, redaction…"""
