//! The SQL expression that fills each column of the SaaS schema, in terms
//! of the row number `g`: personal values of every kind the scan looks for,
//! label lists, and a neutral filler per type for the columns no expression
//! names.

use std::collections::HashMap;

const FIRST: &str = "(ARRAY['Budi','Siti','Agus','Dewi','Wei Ming','Mei Ling','Nur Aisyah','Priya','Rajesh','Amelia','Oliver','Chloe','Ahmad','Farah','Kenji','Putri','Rizky','Intan','Hendra','Lestari'])[1 + g % 20]";
const LAST: &str = "(ARRAY['Santoso','Wijaya','Tan','Lim','Ng','Kumar','Hidayat','Pratama','Smith','Taylor','Nasution','Siregar','Wong','Goh','Rahman','Setiawan','Halim','Lubis','Chua','Nair'])[1 + (g * 7) % 20]";

fn name() -> String {
    format!("{FIRST} || ' ' || {LAST}")
}

fn email() -> String {
    format!("lower(replace({FIRST}, ' ', '')) || '.' || lower({LAST}) || g || '@' || (ARRAY['gmail.com','yahoo.co.id','singnet.com.sg','outlook.com'])[1 + g % 4]")
}

const PHONE: &str = "CASE g % 3 WHEN 0 THEN '+62 81' || (g % 10) || '-' || lpad((g * 37 % 10000)::text, 4, '0') || '-' || lpad((g * 7919 % 10000)::text, 4, '0') WHEN 1 THEN '+65 9' || lpad((g * 13 % 1000)::text, 3, '0') || ' ' || lpad((g * 7919 % 10000)::text, 4, '0') ELSE '08' || (11 + g % 9) || lpad((g * 104729 % 100000000)::text, 8, '0') END";
const NIK: &str = "'32' || lpad((1 + g % 20)::text, 2, '0') || lpad((1 + g % 30)::text, 2, '0') || lpad((1 + g % 28)::text, 2, '0') || lpad((1 + g % 12)::text, 2, '0') || lpad((60 + g % 40)::text, 2, '0') || lpad((1 + g % 9999)::text, 4, '0')";
const CARD: &str = "scan_t_luhn('4' || lpad((g * 7919)::text, 14, '0'))";
const IBAN: &str = "scan_t_iban('NWBK' || lpad((60161300000000 + g * 7919)::text, 14, '0'))";
const NRIC: &str = "scan_t_nric(lpad((g * 7919 % 10000000)::text, 7, '0'))";
const ADDRESS: &str = "CASE g % 2 WHEN 0 THEN 'Jl. ' || (ARRAY['Sudirman','Diponegoro','Merdeka','Gatot Subroto'])[1 + g % 4] || ' No. ' || g || ', Jakarta ' || (10110 + g % 800) ELSE 'Blk ' || (100 + g) || ' Tampines Street 21 #0' || (1 + g % 9) || '-' || (10 + g % 80) || ', Singapore ' || (520000 + g) END";
const CITY: &str = "(ARRAY['Jakarta','Bandung','Surabaya','Singapore','Medan'])[1 + g % 5]";
const POSTCODE: &str =
    "CASE g % 2 WHEN 0 THEN (10110 + g * 7 % 89000)::text ELSE (520000 + g)::text END";
const DOB: &str = "date '1955-01-01' + (g * 397 % 18000)";
const PW_HASH: &str = "'$2b$12$' || substr(md5('pw' || g) || md5('salt' || g), 1, 53)";
const TOKEN: &str = "encode(sha256(('tok' || g)::bytea), 'hex')";
const API_TOKEN: &str = "'sk_live_' || substr(md5('k' || g) || md5('q' || g), 1, 32)";
const TOTP_SECRET: &str = "substr(encode(sha256(('mfa' || g)::bytea), 'base64'), 1, 32)";
const IP: &str = "('10.' || g % 250 || '.' || (g * 7) % 250 || '.' || (g * 13) % 250)::inet";

fn pii_text() -> String {
    format!(
        "CASE g % 4 WHEN 0 THEN 'Please call me back on ' || ({PHONE}) || ', thanks.' \
         WHEN 1 THEN 'Send the invoice to ' || ({}) || ' instead.' \
         WHEN 2 THEN 'My KTP is ' || ({NIK}) || ' and my card ' || {CARD} || ' was charged twice.' \
         ELSE 'The export stopped at row ' || g * 10 || ' and showed an error.' END",
        email()
    )
}

const PLAIN_TEXT: &str = "(ARRAY['The export finished without errors.','Dashboard loads slowly on Mondays.','Please add dark mode to the editor.','Invoices now include the tax breakdown.'])[1 + g % 4] || ' Ref ' || g";

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("(ARRAY[{}])[1 + g % {}]", quoted.join(","), items.len())
}

/// The expression of each column this generator fills on purpose.
pub(super) fn expressions() -> HashMap<&'static str, String> {
    let e = email();
    let n = name();
    let t = pii_text();
    let mut m: HashMap<&'static str, String> = HashMap::new();
    let mut put = |k: &'static str, v: String| {
        m.insert(k, v);
    };
    put("billing.payouts.bank_account", "lpad((g * 7919 % 1000)::text, 3, '0') || '-' || lpad((g * 104729 % 1000000)::text, 6, '0') || '-' || (g % 10)".into());
    put("billing.billing_addresses.line1", ADDRESS.into());
    put("billing.billing_addresses.line2", "CASE g % 2 WHEN 0 THEN 'RT 0' || (1 + g % 9) || ' RW 0' || (1 + g % 7) || ', Kel. Menteng' ELSE '#0' || (1 + g % 9) || '-' || (10 + g % 80) END".into());
    put("billing.billing_addresses.city", CITY.into());
    put("billing.billing_addresses.postcode", POSTCODE.into());
    put(
        "billing.billing_addresses.country",
        "(ARRAY['ID','SG'])[1 + g % 2]".into(),
    );
    put("billing.quotes_accepted.signed_by", n.clone());
    put("billing.disputes.evidence", t.clone());
    put("billing.webhook_deliveries.payload", format!("jsonb_build_object('type', 'invoice.paid', 'customer', jsonb_build_object('email', {e}, 'name', {n}), 'amount', g * 100)"));
    put(
        "billing.webhook_deliveries.event",
        list(&["invoice.paid", "invoice.created", "customer.updated"]),
    );
    put("crm.leads.first_name", FIRST.into());
    put("crm.leads.last_name", LAST.into());
    put("crm.leads.email", e.clone());
    put("crm.leads.phone", PHONE.into());
    put(
        "crm.leads.company",
        list(&["Acme", "Globex", "Initech", "Umbrella"]),
    );
    put("crm.leads.source", list(&["web", "event", "referral"]));
    put("crm.activities.body", t.clone());
    put(
        "crm.activities.subject",
        list(&["Follow-up call", "Demo", "Contract review"]),
    );
    put("crm.notes.body", t.clone());
    put("crm.email_messages.from_address", e.clone());
    put(
        "crm.email_messages.to_address",
        "'sales' || g || '@acme.example'".to_string(),
    );
    put("crm.email_messages.body", t.clone());
    put(
        "crm.email_messages.subject",
        list(&["Your quote", "Renewal", "Welcome"]),
    );
    put("crm.calls.phone_number", PHONE.into());
    put(
        "crm.calls.recording_url",
        "'https://rec.example.com/r/' || g || '.mp3'".into(),
    );
    put(
        "crm.custom_field_values.value",
        format!("CASE g % 3 WHEN 0 THEN {e} WHEN 1 THEN {PHONE} ELSE 'blue' END"),
    );
    put("support.chat_sessions.visitor_name", n.clone());
    put("support.chat_sessions.visitor_email", e.clone());
    put("support.chat_sessions.visitor_ip", IP.into());
    put("support.chat_messages.body", format!("CASE g % 3 WHEN 0 THEN 'My NRIC is ' || {NRIC} WHEN 1 THEN 'Reach me at ' || ({PHONE}) ELSE 'Thanks for the quick help' END"));
    put("support.ticket_comments.body", t.clone());
    put(
        "support.satisfaction_ratings.comment",
        list(&[
            "Great support",
            "Too slow",
            "Solved quickly, thank you",
            "Could be better",
        ]),
    );
    put("projects.issue_comments.body", format!("CASE g % 2 WHEN 0 THEN 'Customer ' || {e} || ' reports the same bug.' ELSE 'Fixed in the next release.' END"));
    put("projects.issues.body", PLAIN_TEXT.into());
    put("projects.documents.content", PLAIN_TEXT.into());
    put("projects.document_versions.content", PLAIN_TEXT.into());
    put("projects.releases.notes", PLAIN_TEXT.into());
    put("projects.projects.description", PLAIN_TEXT.into());
    put("projects.time_entries.note", PLAIN_TEXT.into());
    put("support.kb_articles.body", PLAIN_TEXT.into());
    put("billing.payments.payer_email", e.clone());
    put(
        "billing.payments.reference",
        "'PAY-' || lpad(g::text, 6, '0')".into(),
    );
    put(
        "billing.refunds.reason",
        list(&["duplicate", "fraudulent", "requested_by_customer"]),
    );
    put("billing.credit_notes.memo", PLAIN_TEXT.into());
    put("marketing.email_sends.to_address", e.clone());
    put("marketing.email_clicks.ip", IP.into());
    put("marketing.email_clicks.url", format!("CASE g % 2 WHEN 0 THEN 'https://shop.example.com/promo?utm_source=news&email=' || {e} ELSE 'https://shop.example.com/promo?utm_source=news' END"));
    put("marketing.unsubscribes.email", e.clone());
    put(
        "marketing.unsubscribes.reason",
        list(&["too many emails", "not relevant"]),
    );
    put(
        "marketing.form_submissions.data",
        format!("jsonb_build_object('name', {n}, 'email', {e}, 'phone', {PHONE}, 'plan', 'Team')"),
    );
    put("marketing.form_submissions.submitter_ip", IP.into());
    put("marketing.referrals.referrer_email", e.clone());
    put(
        "marketing.referrals.referred_email",
        e.replace("g ||", "(g + 7) ||"),
    );
    put(
        "marketing.utm_visits.landing_url",
        "'https://www.example.com/pricing?utm_source=ads&utm_campaign=c' || g".into(),
    );
    put("auth.sessions.token", TOKEN.into());
    put("auth.sessions.ip", IP.into());
    put(
        "auth.sessions.user_agent",
        list(&[
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Safari/604.1",
        ]),
    );
    put("auth.api_keys.key_hash", TOKEN.into());
    put("auth.oauth_accounts.access_token", API_TOKEN.into());
    put(
        "auth.oauth_accounts.provider_user_id",
        "(100000 + g)::text".into(),
    );
    put("auth.invitations.email", e.clone());
    put("auth.invitations.token", TOKEN.into());
    put("auth.login_attempts.email", e.clone());
    put("auth.login_attempts.ip", IP.into());
    put("auth.mfa_devices.secret", TOTP_SECRET.into());
    put("auth.password_resets.token", TOKEN.into());
    put(
        "auth.sso_connections.metadata_url",
        "'https://idp.example.com/metadata/' || g".into(),
    );
    put("public.audit_log.ip", IP.into());
    put(
        "public.audit_log.detail",
        format!("jsonb_build_object('actor_email', {e}, 'action', 'login')"),
    );
    put(
        "public.webhooks.secret",
        "'whsec_' || substr(md5('w' || g) || md5('v' || g), 1, 32)".into(),
    );
    put(
        "public.webhooks.url",
        "'https://hooks.example.com/in/' || g".into(),
    );
    put("public.integrations.access_token", API_TOKEN.into());
    put("public.integrations.config", "jsonb_build_object('api_key', 'sk_live_' || substr(md5('c' || g) || md5('d' || g), 1, 32), 'region', 'ap-southeast-1')".into());
    put("public.notifications.body", PLAIN_TEXT.into());
    put("public.comments.body", PLAIN_TEXT.into());
    put("public.files.name", "'report-' || g || '.pdf'".into());
    put(
        "public.files.storage_key",
        "'orgs/' || (1 + g % 3) || '/files/report-' || g || '.pdf'".into(),
    );
    // Labels in columns named like personal data.
    put(
        "billing.plans.name",
        list(&["Free", "Starter", "Team", "Business", "Enterprise"]),
    );
    put(
        "billing.tax_rates.name",
        list(&["PPN 11%", "GST 9%", "VAT 20%"]),
    );
    put(
        "crm.products.name",
        list(&[
            "Widget Pro",
            "Gadget Mini",
            "Coffee Beans 1kg",
            "Solar Panel 300W",
            "Desk Lamp",
            "Standing Desk",
            "USB-C Hub",
        ]),
    );
    put(
        "crm.pipelines.name",
        list(&["Sales", "Renewals", "Partnerships"]),
    );
    put(
        "crm.pipeline_stages.name",
        list(&[
            "Lead",
            "Qualified",
            "Proposal",
            "Negotiation",
            "Closed Won",
            "Closed Lost",
        ]),
    );
    put(
        "crm.opportunities.name",
        "(ARRAY['Acme','Globex','Initech'])[1 + g % 3] || ' renewal ' || (2020 + g % 6)".into(),
    );
    put(
        "crm.territories.name",
        list(&["APAC", "EMEA", "Americas", "Jabodetabek"]),
    );
    put(
        "crm.price_books.name",
        list(&["Standard 2024", "Partner", "Education"]),
    );
    put(
        "crm.segments.name",
        list(&["Enterprise accounts", "Churn risk", "Trial users"]),
    );
    put(
        "analytics.daily_metrics.metric",
        list(&["page_views", "signups", "mrr", "active_users", "churn_rate"]),
    );
    put(
        "analytics.dashboards.name",
        list(&["Revenue overview", "Funnel", "Support load"]),
    );
    put(
        "analytics.saved_reports.name",
        list(&["Weekly signups", "MRR by plan", "Tickets by priority"]),
    );
    put(
        "public.countries.name",
        list(&[
            "Indonesia",
            "Singapore",
            "Malaysia",
            "Thailand",
            "Vietnam",
            "Philippines",
        ]),
    );
    put(
        "public.timezones.name",
        list(&["Asia/Jakarta", "Asia/Singapore", "Europe/London"]),
    );
    put(
        "support.groups.name",
        list(&["Tier 1", "Billing", "Escalations"]),
    );
    put(
        "support.slas.name",
        list(&["Gold", "Silver", "Bronze", "Platinum"]),
    );
    put(
        "support.kb_categories.name",
        list(&["Getting started", "Billing", "Integrations"]),
    );
    put(
        "projects.projects.name",
        list(&["Website relaunch", "Mobile app", "Data platform"]),
    );
    put(
        "projects.labels.name",
        list(&["bug", "feature", "urgent", "good first issue"]),
    );
    put("projects.boards.name", list(&["Sprint board", "Roadmap"]));
    put(
        "projects.board_columns.name",
        list(&["To do", "In progress", "Review", "Done"]),
    );
    put("projects.sprints.name", "'Sprint ' || g".into());
    put(
        "marketing.campaigns.name",
        list(&["Ramadan Sale 2024", "Black Friday", "Product launch"]),
    );
    put(
        "marketing.email_templates.name",
        list(&["Welcome email", "Password reset", "Invoice reminder"]),
    );
    put(
        "marketing.forms.name",
        list(&["Contact us", "Newsletter", "Demo request"]),
    );
    put(
        "marketing.ab_tests.name",
        list(&["Pricing page test", "Onboarding copy"]),
    );
    put("auth.roles.name", list(&["admin", "editor", "viewer"]));
    put(
        "auth.permissions.name",
        list(&["billing:read", "billing:write", "users:invite"]),
    );
    put(
        "auth.api_keys.name",
        list(&["CI deploy key", "Zapier", "Data warehouse"]),
    );
    m
}

/// The neutral value of a column no expression names, by its type.
pub(super) fn filler(udt: &str, domain: Option<&str>, typmod_chars: Option<i32>) -> String {
    match (domain, udt) {
        (Some("currency"), _) => "(ARRAY['USD','SGD','IDR'])[1 + g % 3]".into(),
        (_, "bpchar") if typmod_chars == Some(2) => "(ARRAY['ID','SG'])[1 + g % 2]".into(),
        (_, "bpchar") => "lpad((g % 10000)::text, 4, '0')".into(),
        (_, "text" | "varchar" | "citext") => {
            "(ARRAY['active','pending','closed','archived'])[1 + g % 4]".into()
        }
        (_, "int2" | "int4" | "int8") => "g".into(),
        (_, "numeric" | "float8") => "((g % 600) * 1.5)::numeric(10,2)".into(),
        (_, "bool") => "g % 2 = 0".into(),
        (_, "timestamptz" | "timestamp") => {
            "timestamptz '2024-01-01 00:00+00' + g * interval '3 hours'".into()
        }
        (_, "date") => "date '2024-01-01' + g".into(),
        (_, "time") => "time '09:00' + g * interval '1 minute'".into(),
        (_, "interval") => "g * interval '1 minute'".into(),
        (_, "jsonb" | "json") => "jsonb_build_object('enabled', g % 2 = 0)".into(),
        (_, "_text") => "ARRAY['alpha', 'beta']".into(),
        (_, "inet") => IP.into(),
        (_, other) => panic!("no filler for type {other}"),
    }
}

/// The seeded core tables' personal columns, overwritten with personal data.
pub(super) fn updates() -> String {
    let (n, e) = (name(), email());
    format!(
        "UPDATE public.users SET full_name = {n}, email = {e}, phone = {PHONE}, password_hash = {PW_HASH} FROM (SELECT id::int AS g FROM public.users) s WHERE id = s.g;
UPDATE public.organisations SET billing_email = 'billing' || id || '@' || slug || '.example';
UPDATE billing.customers SET name = {n}, email = {e}, tax_id = lpad((g * 7919 % 100)::text, 2, '0') || '.' || lpad((g * 104729 % 1000)::text, 3, '0') || '.' || lpad((g * 31 % 1000)::text, 3, '0') || '.' || (g % 10) || '-' || lpad((g % 1000)::text, 3, '0') || '.000' FROM (SELECT id::int AS g FROM billing.customers) s WHERE id = s.g;
UPDATE billing.payment_methods SET card_number = {CARD}, card_last4 = right({CARD}, 4), iban = {IBAN} FROM (SELECT id::int AS g FROM billing.payment_methods) s WHERE id = s.g;
UPDATE billing.invoices SET billing_address = {ADDRESS} FROM (SELECT id::int AS g FROM billing.invoices) s WHERE id = s.g;
UPDATE crm.accounts SET phone = {PHONE} FROM (SELECT id::int AS g FROM crm.accounts) s WHERE id = s.g;
UPDATE crm.contacts SET first_name = {FIRST}, last_name = {LAST}, email = {e}, phone = {PHONE}, date_of_birth = {DOB}, notes = {t} FROM (SELECT id::int AS g FROM crm.contacts) s WHERE id = s.g;
UPDATE support.agents SET display_name = {n}, signature = 'Regards, ' || {FIRST} || ' | ' || ({PHONE}) FROM (SELECT id::int AS g FROM support.agents) s WHERE id = s.g;
UPDATE support.tickets SET description = {t}, requester_email = {e}, requester_phone = {PHONE} FROM (SELECT id::int AS g FROM support.tickets) s WHERE id = s.g;
UPDATE analytics.events SET ip = {IP}, name = (ARRAY['page_view','signup','checkout'])[1 + g % 3], properties = CASE WHEN g % 2 = 0 THEN jsonb_build_object('path', '/pricing', 'email', {e}) ELSE jsonb_build_object('path', '/docs') END FROM (SELECT id::int AS g FROM analytics.events) s WHERE id = s.g;
UPDATE public.teams SET name = (ARRAY['Platform','Data','Sales'])[id];
",
        t = pii_text()
    )
}
