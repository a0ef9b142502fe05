"""Fault loops on PostgreSQL + RabbitMQ: processes killed between commit and ack and between publish and mark,
broker and database restarts in the middle of work, poison messages and racing Idempotency-Keys, each repeated
(SENDPB_FAULT_ROUNDS) and seeded (SENDPB_FAULT_SEED), then a checker that every change took effect exactly once."""
