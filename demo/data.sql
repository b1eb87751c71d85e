-- Deterministic demo data: every value derives from a row number.

INSERT INTO plans VALUES
  (1, 'free', 'Free', 0), (2, 'team', 'Team', 49), (3, 'business', 'Business', 199);

INSERT INTO organisations
SELECT md5('org' || g)::uuid,
       (ARRAY['Nusantara Logistics', 'Merlion Analytics', 'Harbour Street Bakery', 'Garuda Fintech',
              'Kopi Kita', 'Lion City Dental', 'Bandung Creative Studio', 'Northwind Traders'])[g],
       (ARRAY['nusantara-logistics', 'merlion-analytics', 'harbour-street-bakery', 'garuda-fintech',
              'kopi-kita', 'lion-city-dental', 'bandung-creative', 'northwind'])[g],
       1 + g % 3,
       'billing@' || (ARRAY['nusantara.co.id', 'merlion.sg', 'harbourbakery.co.uk', 'garudapay.id',
                            'kopikita.id', 'lioncitydental.sg', 'bdgcreative.id', 'northwind.com'])[g],
       CASE WHEN g % 2 = 0 THEN 'SG' || (200000000 + g * 7919)::text || 'K' ELSE '0' || (21000000 + g * 104729)::text || '-407.000' END,
       jsonb_build_object('timezone', (ARRAY['Asia/Jakarta', 'Asia/Singapore', 'Europe/London'])[1 + g % 3], 'seats', 5 * g),
       TIMESTAMPTZ '2021-01-04 09:00+00' + g * interval '37 days'
  FROM generate_series(1, 8) g;

INSERT INTO users (id, email, full_name, phone, date_of_birth, last_login_ip, password_hash, created_at)
SELECT md5('user' || g)::uuid,
       lower(replace(replace(fn, ' ', ''), 'é', 'e') || '.' || replace(ln, '''', '') || g || '@' || (ARRAY['gmail.com', 'yahoo.co.id', 'outlook.com', 'singnet.com.sg', 'proton.me'])[1 + g % 5]),
       fn || ' ' || ln,
       CASE g % 4
         WHEN 0 THEN '+62 812-' || lpad((1000 + g * 37 % 9000)::text, 4, '0') || '-' || lpad((g * 7919 % 10000)::text, 4, '0')
         WHEN 1 THEN '+65 9' || lpad((g * 104729 % 1000)::text, 3, '0') || ' ' || lpad((g * 7919 % 10000)::text, 4, '0')
         WHEN 2 THEN '+44 7700 9' || lpad((g * 31 % 100000)::text, 5, '0')
         ELSE NULL
       END,
       DATE '1960-01-01' + (g * 7919 % 15000),
       ('10.' || g % 250 || '.' || (g * 7) % 250 || '.' || (g * 13) % 250)::inet,
       '$2b$12$' || substr(md5('pw' || g) || md5('salt' || g), 1, 53),
       TIMESTAMPTZ '2021-02-01 08:00+00' + g * interval '3 days 7 hours'
  FROM generate_series(1, 300) g,
       LATERAL (SELECT (ARRAY['Amelia', 'Budi', 'Siti', 'Wei Ling', 'Priya', 'Oliver', 'Nurul', 'Hiroshi', 'Chloé', 'Arjun',
                              'Dewi', 'Liam', 'Mei', 'Rahul', 'Putri', 'Noah', 'Aisyah', 'Ethan', 'Farah', 'Kenji'])[1 + g % 20] AS fn,
                       (ARRAY['Hartono', 'Tan', 'Smith', 'Wijaya', 'Lim', 'Nair', 'Santoso', 'O''Brien', 'Kumar', 'Ng',
                              'Setiawan', 'Taylor', 'Chen', 'Rahman', 'Lee', 'Wilson', 'Gunawan', 'Ong', 'Patel', 'Murphy'])[1 + (g * 7) % 20] AS ln) n;

-- Every user belongs to one organisation; every sixth to a second one as well.
INSERT INTO memberships
SELECT md5('org' || (1 + g % 8))::uuid, md5('user' || g)::uuid,
       (CASE WHEN g <= 8 THEN 'owner' WHEN g % 10 = 0 THEN 'admin' WHEN g % 7 = 0 THEN 'viewer' ELSE 'member' END)::member_role,
       TIMESTAMPTZ '2021-03-01 10:00+00' + g * interval '2 days'
  FROM generate_series(1, 300) g
UNION ALL
SELECT md5('org' || (1 + (g + 3) % 8))::uuid, md5('user' || g)::uuid, 'viewer',
       TIMESTAMPTZ '2022-06-01 10:00+00' + g * interval '1 day'
  FROM generate_series(6, 300, 6) g;

INSERT INTO projects
SELECT md5('project' || g)::uuid, md5('org' || (1 + g % 8))::uuid,
       (ARRAY['WEB', 'APP', 'OPS', 'FIN', 'MKT', 'HR'])[1 + g % 6] || chr(65 + g / 6 % 26),
       (ARRAY['Website relaunch', 'Mobile app', 'Warehouse ops', 'Quarter close', 'Campaign', 'Hiring'])[1 + g % 6],
       md5('user' || (1 + g * 11 % 300))::uuid,
       TIMESTAMPTZ '2022-01-10 09:00+00' + g * interval '5 days'
  FROM generate_series(1, 24) g;

INSERT INTO support_tickets (org_id, requester_id, subject, body, status, tags, metadata, created_at)
SELECT md5('org' || (1 + g % 8))::uuid, md5('user' || (1 + g * 13 % 300))::uuid,
       (ARRAY['Cannot log in', 'Invoice is wrong', 'Export fails', 'Add a seat', 'Change billing email'])[1 + g % 5],
       CASE g % 3
         WHEN 0 THEN 'Hi, please call me back on +62 812-5550-' || lpad((g * 7 % 10000)::text, 4, '0') || E'.\nThanks!'
         WHEN 1 THEN 'Send the invoice to finance' || g || '@example-customer.com instead.'
         ELSE 'The CSV export stops at row ' || g * 10 || E'\tand shows an error.'
       END,
       (ARRAY['open', 'pending', 'solved'])[1 + g % 3],
       ARRAY[(ARRAY['billing', 'login', 'export', 'vip'])[1 + g % 4]],
       jsonb_build_object('channel', (ARRAY['email', 'chat', 'phone'])[1 + g % 3], 'contact_email', 'requester' || g || '@example-customer.com'),
       TIMESTAMPTZ '2023-01-02 08:30+00' + g * interval '19 hours'
  FROM generate_series(1, 200) g;

INSERT INTO billing.invoices
SELECT md5('invoice' || g)::uuid, md5('org' || (1 + g % 8))::uuid,
       'INV-' || to_char(DATE '2023-01-01' + (g / 8) * 30, 'YYYYMM') || '-' || lpad(g::text, 4, '0'),
       (ARRAY['Nusantara Logistics PT', 'Merlion Analytics Pte Ltd', 'Harbour Street Bakery Ltd', 'PT Garuda Fintech',
              'Kopi Kita CV', 'Lion City Dental Pte Ltd', 'Bandung Creative Studio', 'Northwind Traders Inc'])[1 + g % 8],
       (ARRAY['Jl. Sudirman No. 12, Jakarta 10220', '1 Raffles Place #20-01, Singapore 048616', '14 Harbour Street, Bristol BS1 4QA',
              'Jl. Asia Afrika No. 8, Bandung 40111', 'Jl. Malioboro No. 45, Yogyakarta 55271', '80 Robinson Road, Singapore 068898',
              'Jl. Braga No. 3, Bandung 40111', '500 Market Street, San Francisco CA 94105'])[1 + g % 8],
       round((49 + g * 17.35)::numeric, 2),
       TIMESTAMPTZ '2023-01-01 00:00+00' + (g / 8) * interval '30 days'
  FROM generate_series(1, 96) g;

INSERT INTO billing.payments (org_id, invoice_id, amount, card_last4, iban, payer_email, paid_at)
SELECT i.org_id, i.id, i.total,
       CASE WHEN g % 2 = 0 THEN lpad((g * 7919 % 10000)::text, 4, '0') END,
       CASE WHEN g % 2 = 1 THEN 'GB' || lpad((g * 13 % 100)::text, 2, '0') || ' NWBK 6016 13' || lpad((g * 7919 % 1000000)::text, 6, '0') END,
       'payer' || g || '@' || (ARRAY['nusantara.co.id', 'merlion.sg', 'harbourbakery.co.uk', 'garudapay.id'])[1 + g % 4],
       i.issued_at + interval '9 days'
  FROM generate_series(1, 80) g
  JOIN billing.invoices i ON i.id = md5('invoice' || g)::uuid;

INSERT INTO auth.sessions
SELECT md5('session' || g)::uuid, md5('user' || (1 + g * 17 % 300))::uuid,
       encode(sha256(('token' || g)::bytea), 'hex'),
       ('203.0.113.' || g % 250)::inet,
       (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Safari/604.1',
              'Mozilla/5.0 (X11; Linux x86_64) Firefox/127.0'])[1 + g % 3],
       TIMESTAMPTZ '2024-05-01 00:00+00' + g * interval '3 hours',
       TIMESTAMPTZ '2024-05-01 00:00+00' + g * interval '3 hours' + interval '30 days'
  FROM generate_series(1, 400) g;
