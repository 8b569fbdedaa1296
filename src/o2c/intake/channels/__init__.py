"""Live intake channels: where documents arrive by themselves (SMS/MMS webhooks, an SMTP listener, an
IMAP mailbox). Each one only turns what arrived into bytes, a sender and a time, and hands them to
``o2c.intake.service.ingest_document``; reading and judging stay in intake.
"""
