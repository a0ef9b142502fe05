-- One database per service: each service owns its data.
CREATE DATABASE sendpb_eligibility;
CREATE DATABASE sendpb_ras;
CREATE DATABASE sendpb_budget;
CREATE DATABASE sendpb_payments;
CREATE DATABASE sendpb_contracts;
