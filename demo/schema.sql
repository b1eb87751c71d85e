-- doppel demo: a small multi-tenant SaaS (projects, billing, support) with
-- realistic personal data. Tenant column: org_id; tenant root:
-- public.organisations. Loaded by `doppel demo` into a throwaway cluster.

CREATE SCHEMA billing;
CREATE SCHEMA auth;

CREATE TYPE member_role AS ENUM ('owner', 'admin', 'member', 'viewer');

CREATE TABLE plans (
  id smallint PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  monthly_price numeric(10,2) NOT NULL CHECK (monthly_price >= 0)
);

CREATE TABLE organisations (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
  plan_id smallint NOT NULL REFERENCES plans(id),
  billing_email text,
  vat_number text,
  settings jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,
  full_name text NOT NULL,
  phone text,
  date_of_birth date,
  last_login_ip inet,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  email_domain text GENERATED ALWAYS AS (lower(split_part(email, '@', 2))) STORED
);

CREATE TABLE memberships (
  org_id uuid NOT NULL REFERENCES organisations(id),
  user_id uuid NOT NULL REFERENCES users(id),
  role member_role NOT NULL DEFAULT 'member',
  joined_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, user_id)
);

CREATE TABLE projects (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations(id),
  key text NOT NULL CHECK (key ~ '^[A-Z]{2,5}$'),
  name text NOT NULL,
  owner_id uuid REFERENCES users(id),
  created_at timestamptz NOT NULL,
  UNIQUE (org_id, key)
);

CREATE TABLE support_tickets (
  id serial PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations(id),
  requester_id uuid NOT NULL REFERENCES users(id),
  subject text NOT NULL,
  body text,
  status text NOT NULL CHECK (status IN ('open', 'pending', 'solved')),
  tags text[] NOT NULL DEFAULT '{}',
  metadata jsonb,
  created_at timestamptz NOT NULL
);

CREATE TABLE billing.invoices (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations(id),
  number text NOT NULL,
  billing_name text NOT NULL,
  billing_address text,
  total numeric(12,2) NOT NULL CHECK (total >= 0),
  issued_at timestamptz NOT NULL,
  UNIQUE (org_id, number)
);

CREATE TABLE billing.payments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations(id),
  invoice_id uuid NOT NULL REFERENCES billing.invoices(id),
  amount numeric(12,2) NOT NULL CHECK (amount > 0),
  card_last4 char(4) CHECK (card_last4 ~ '^[0-9]{4}$'),
  iban text,
  payer_email text,
  paid_at timestamptz NOT NULL
);

CREATE TABLE auth.sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id),
  token text NOT NULL UNIQUE,
  ip inet,
  user_agent text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id_idx ON auth.sessions (user_id);
