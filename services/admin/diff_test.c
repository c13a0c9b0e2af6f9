/* What apply would change, in words (diff.c): every kind of change,
 * worded in Italian and English. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diff.h"

#define MARIO "11111111-1111-4111-8111-111111111111"
#define LAURA "22222222-2222-4222-8222-222222222222"
#define PIERO "33333333-3333-4333-8333-333333333333"

/* A document as apply builds it: Mario (01) and Laura (05), ringing
 * the main line, Mario, Laura in turn, no forwarding, no messages. */
static const char *base =
	"{\"number\": \"+390612345678\", \"timezone\": \"Europe/Rome\", "
	"\"sip_domain\": \"a.sip.test\", \"language\": \"it\", "
	"\"allow_international\": false, \"allow_premium\": false, "
	"\"max_calls\": 10, \"users\": ["
	"{\"id\": \"" MARIO "\", \"name\": \"Mario\", \"username\": "
	"\"mario\", \"extension\": \"01\", \"email\": \"m@a.it\"}, "
	"{\"id\": \"" LAURA "\", \"name\": \"Laura\", \"username\": "
	"\"laura\", \"extension\": \"05\", \"email\": \"l@a.it\"}], "
	"\"ringing\": {\"mode\": \"sequential\", \"rings\": 4, \"members\": ["
	"{\"type\": \"user\", \"id\": \"" MARIO "\", \"name\": \"Mario\", "
	"\"extension\": \"01\"}, "
	"{\"type\": \"user\", \"id\": \"" LAURA "\", \"name\": \"Laura\", "
	"\"extension\": \"05\"}]}, "
	"\"forwarding\": {}, \"messages\": {}}";

static json_t *doc(void)
{
	json_error_t je;
	json_t *d = json_loads(base, 0, &je);

	assert_non_null(d);
	return d;
}

/* A path of object keys and array indexes, "ringing.members.0". */
static json_t *at(json_t *d, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && d;
	     k = strtok_r(NULL, ".", &save))
		d = json_is_array(d)
			    ? json_array_get(d, (size_t)strtoul(k, NULL, 10))
			    : json_object_get(d, k);
	assert_non_null(d);
	return d;
}

static void set(json_t *d, const char *path, const char *key, const char *json)
{
	json_error_t je;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &je);

	assert_non_null(v);
	json_object_set_new(path[0] ? at(d, path) : d, key, v);
}

/* The diff has exactly n changes. */
static json_t *diff_n(const json_t *live, const json_t *draft, size_t n)
{
	json_t *c = config_diff(live, draft);

	assert_non_null(c);
	if (json_array_size(c) != n) {
		char *s = json_dumps(c, JSON_INDENT(1));
		print_error("want %zu changes, got:\n%s\n", n, s);
		free(s);
	}
	assert_int_equal(json_array_size(c), n);
	return c;
}

/* Change i is of kind and subject, worded it / en. */
static void is(const json_t *c, size_t i, const char *kind, const char *subject,
	       const char *it, const char *en)
{
	const json_t *x = json_array_get(c, i);

	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "kind")),
			    kind);
	if (subject)
		assert_string_equal(
			json_string_value(json_object_get(x, "subject")),
			subject);
	assert_string_equal(json_string_value(json_object_get(x, "text_it")),
			    it);
	assert_string_equal(json_string_value(json_object_get(x, "text_en")),
			    en);
	assert_non_null(json_object_get(x, "before"));
	assert_non_null(json_object_get(x, "after"));
}

static void after_is(const json_t *c, size_t i, const char *json)
{
	json_error_t je;
	json_t *want = json_loads(json, JSON_DECODE_ANY, &je);

	assert_non_null(want);
	assert_true(json_equal(json_object_get(json_array_get(c, i), "after"),
			       want));
	json_decref(want);
}

static void before_is(const json_t *c, size_t i, const char *json)
{
	json_error_t je;
	json_t *want = json_loads(json, JSON_DECODE_ANY, &je);

	assert_non_null(want);
	assert_true(json_equal(json_object_get(json_array_get(c, i), "before"),
			       want));
	json_decref(want);
}

static void same_document_no_change(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	json_t *c = diff_n(a, b, 0);
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void first_version_everything_is_new(void **state)
{
	(void)state;
	json_t *b = doc();
	json_t *c = diff_n(NULL, b, 5);
	is(c, 0, "user_added", MARIO, "Nuovo utente: Mario (01)",
	   "Mario (01) added");
	after_is(c, 0,
		 "{\"name\": \"Mario\", \"username\": \"mario\", "
		 "\"extension\": \"01\"}");
	before_is(c, 0, "null");
	is(c, 1, "user_added", LAURA, "Nuovo utente: Laura (05)",
	   "Laura (05) added");
	is(c, 2, "ringing_mode_changed", "ringing", "Squillo: sequenziale",
	   "Ringing: sequential");
	is(c, 3, "ringing_order_changed", "ringing",
	   "Ordine di squillo: Mario, Laura", "Ringing order: Mario, Laura");
	after_is(c, 3, "[\"Mario\", \"Laura\"]");
	is(c, 4, "ringing_rings_changed", "ringing", "Squilli per utente: 4",
	   "Rings per member: 4");
	json_decref(c);
	json_decref(b);
}

static void people_added_and_removed(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	json_array_remove(at(b, "users"), 0); /* Mario leaves */
	json_array_remove(at(b, "ringing.members"), 0);
	json_array_append_new(at(b, "users"),
			      json_pack("{s:s, s:s, s:s, s:s, s:s}", "id",
					PIERO, "name", "Piero", "username",
					"piero", "extension", "", "email",
					"p@a.it"));
	json_t *c = diff_n(a, b, 3);
	is(c, 0, "user_added", PIERO, "Nuovo utente: Piero", "Piero added");
	is(c, 1, "user_removed", MARIO, "Utente rimosso: Mario (01)",
	   "Mario (01) removed");
	before_is(c, 1,
		  "{\"name\": \"Mario\", \"username\": \"mario\", "
		  "\"extension\": \"01\"}");
	after_is(c, 1, "null");
	is(c, 2, "ringing_order_changed", "ringing",
	   "Ordine di squillo: Mario, Laura → Laura",
	   "Ringing order: Mario, Laura → Laura");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void person_renamed_extension_username_email(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	/* Apply resolves members' names from the people: both change. */
	set(b, "users.1", "name", "\"Laura Bianchi\"");
	set(b, "ringing.members.1", "name", "\"Laura Bianchi\"");
	set(b, "users.1", "extension", "\"07\"");
	set(b, "ringing.members.1", "extension", "\"07\"");
	set(b, "users.1", "username", "\"lbianchi\"");
	set(b, "users.1", "email", "\"lb@a.it\"");
	json_t *c = diff_n(a, b, 4);
	is(c, 0, "user_renamed", LAURA,
	   "Laura (05) rinominato in Laura Bianchi",
	   "Laura (05) renamed Laura Bianchi");
	before_is(c, 0, "\"Laura\"");
	after_is(c, 0, "\"Laura Bianchi\"");
	is(c, 1, "user_extension_changed", LAURA,
	   "Interno di Laura Bianchi: 05 → 07",
	   "Laura Bianchi's extension: 05 → 07");
	is(c, 2, "user_username_changed", LAURA,
	   "Nome utente di Laura Bianchi (07): laura → lbianchi",
	   "Laura Bianchi (07)'s username: laura → lbianchi");
	is(c, 3, "user_email_changed", LAURA,
	   "Email di Laura Bianchi (07): l@a.it → lb@a.it",
	   "Laura Bianchi (07)'s e-mail: l@a.it → lb@a.it");
	json_decref(c);
	set(b, "users.1", "extension", "\"\"");
	set(b, "users.1", "username", "\"laura\"");
	set(b, "users.1", "email", "\"l@a.it\"");
	set(b, "users.1", "name", "\"Laura\"");
	c = diff_n(a, b, 1);
	is(c, 0, "user_extension_changed", LAURA,
	   "Interno di Laura: 05 → nessuno", "Laura's extension: 05 → none");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void ringing_mode_order_rings(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	set(b, "ringing", "mode", "\"simultaneous\"");
	json_t *c = diff_n(a, b, 1);
	is(c, 0, "ringing_mode_changed", "ringing",
	   "Squillo: sequenziale → simultaneo",
	   "Ringing: sequential → simultaneous");
	before_is(c, 0, "\"sequential\"");
	after_is(c, 0, "\"simultaneous\"");
	json_decref(c);

	set(b, "ringing", "mode", "\"sequential\"");
	json_t *m = at(b, "ringing.members");
	json_t *mario = json_incref(json_array_get(m, 0));
	json_array_remove(m, 0);
	json_array_append_new(m, mario);
	set(b, "ringing", "rings", "6");
	c = diff_n(a, b, 2);
	is(c, 0, "ringing_order_changed", "ringing",
	   "Ordine di squillo: Mario, Laura → Laura, Mario",
	   "Ringing order: Mario, Laura → Laura, Mario");
	before_is(c, 0, "[\"Mario\", \"Laura\"]");
	after_is(c, 0, "[\"Laura\", \"Mario\"]");
	is(c, 1, "ringing_rings_changed", "ringing",
	   "Squilli per utente: 4 → 6", "Rings per member: 4 → 6");
	json_decref(c);

	/* Simultaneous: who rings together; the main line by its name. */
	set(b, "ringing", "mode", "\"simultaneous\"");
	set(b, "ringing", "rings", "4");
	json_array_append_new(m, json_pack("{s:s, s:s}", "type", "main_line",
					   "name", "Fibra Principale"));
	c = diff_n(a, b, 2);
	is(c, 1, "ringing_order_changed", "ringing",
	   "Squillano insieme: Mario, Laura → Laura, Mario, Fibra Principale",
	   "Ringing together: Mario, Laura → Laura, Mario, Fibra Principale");
	json_decref(c);

	/* Nobody rings (apply refuses it; the diff still says so). */
	json_array_clear(m);
	set(b, "ringing", "mode", "\"sequential\"");
	c = diff_n(a, b, 1);
	is(c, 0, "ringing_order_changed", "ringing",
	   "Ordine di squillo: Mario, Laura → nessuno",
	   "Ringing order: Mario, Laura → nobody");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void member_of_a_removed_person_keeps_a_name(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	/* Laura removed, her member left unresolved in the draft. */
	json_array_remove(at(b, "users"), 1);
	json_object_del(at(b, "ringing.members.1"), "name");
	json_object_del(at(b, "ringing.members.1"), "extension");
	json_t *m = at(b, "ringing.members");
	json_t *laura = json_incref(json_array_get(m, 1));
	json_array_remove(m, 1);
	json_array_insert_new(m, 0, laura);
	json_t *c = diff_n(a, b, 2);
	is(c, 0, "user_removed", LAURA, "Utente rimosso: Laura (05)",
	   "Laura (05) removed");
	is(c, 1, "ringing_order_changed", "ringing",
	   "Ordine di squillo: Mario, Laura → Laura, Mario",
	   "Ringing order: Mario, Laura → Laura, Mario");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void forwarding_set_changed_removed(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	set(b, "forwarding", "unconditional",
	    "{\"enabled\": true, \"number\": \"+393351234567\"}");
	set(b, "forwarding", "busy", "{\"enabled\": false, \"number\": null}");
	json_t *c = diff_n(a, b, 1);
	is(c, 0, "forwarding_set", "forwarding.unconditional",
	   "Inoltro incondizionato attivato verso +393351234567",
	   "Unconditional forwarding set to +393351234567");
	before_is(c, 0, "null");
	after_is(c, 0, "\"+393351234567\"");
	json_decref(c);

	json_decref(a);
	a = json_deep_copy(b);
	set(b, "forwarding", "unconditional",
	    "{\"enabled\": true, \"number\": \"+390298765432\"}");
	set(b, "forwarding", "no_answer",
	    "{\"enabled\": true, \"number\": \"+393351234567\"}");
	set(b, "forwarding", "unreachable",
	    "{\"enabled\": true, \"number\": \"+393351234567\"}");
	set(b, "forwarding", "busy",
	    "{\"enabled\": true, \"number\": \"+393351234567\"}");
	c = diff_n(a, b, 4);
	is(c, 0, "forwarding_changed", "forwarding.unconditional",
	   "Inoltro incondizionato: +393351234567 → +390298765432",
	   "Unconditional forwarding: +393351234567 → +390298765432");
	is(c, 1, "forwarding_set", "forwarding.no_answer",
	   "Inoltro per mancata risposta attivato verso +393351234567",
	   "Forwarding on no answer set to +393351234567");
	is(c, 2, "forwarding_set", "forwarding.unreachable",
	   "Inoltro se non raggiungibile attivato verso +393351234567",
	   "Forwarding when unreachable set to +393351234567");
	is(c, 3, "forwarding_set", "forwarding.busy",
	   "Inoltro se occupato attivato verso +393351234567",
	   "Forwarding when busy set to +393351234567");
	json_decref(c);

	json_decref(a);
	a = json_deep_copy(b);
	/* Off, number kept: removed. Off in both, number edited: said. */
	set(b, "forwarding", "unconditional",
	    "{\"enabled\": false, \"number\": \"+390298765432\"}");
	c = diff_n(a, b, 1);
	is(c, 0, "forwarding_removed", "forwarding.unconditional",
	   "Inoltro incondizionato disattivato",
	   "Unconditional forwarding removed");
	before_is(c, 0, "\"+390298765432\"");
	after_is(c, 0, "null");
	json_decref(c);
	json_decref(a);
	a = json_deep_copy(b);
	set(b, "forwarding", "unconditional",
	    "{\"enabled\": false, \"number\": \"+390211111111\"}");
	c = diff_n(a, b, 1);
	is(c, 0, "forwarding_changed", "forwarding.unconditional",
	   "Inoltro incondizionato (non attivo): numero +390298765432 → "
	   "+390211111111",
	   "Unconditional forwarding (off): number +390298765432 → "
	   "+390211111111");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static const char *welcome =
	"{\"enabled\": true, \"template_id\": \"welcome_short\", "
	"\"values\": {}, \"voice\": \"female\", \"languages\": [\"it\"], "
	"\"valid_from\": null, \"valid_to\": null, \"ranges\": []}";

static const char *closed =
	"{\"enabled\": true, \"template_id\": \"closed_hours\", "
	"\"values\": {\"open\": \"09:00\", \"close\": \"18:00\", "
	"\"day_from\": \"monday\", \"day_to\": \"friday\"}, "
	"\"voice\": \"female\", \"languages\": [\"it\", \"en\"], "
	"\"ranges\": [{\"days\": [\"monday\", \"tuesday\", \"wednesday\", "
	"\"thursday\", \"friday\"], \"from\": \"09:00\", \"to\": \"18:00\"}]}";

static void messages_enabled_disabled(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	set(b, "messages", "welcome", welcome);
	set(b, "messages", "closed", closed);
	set(b, "messages", "no_answer",
	    "{\"enabled\": false, \"template_id\": \"no_answer_retry\", "
	    "\"values\": {}, \"rings\": 4}");
	json_t *c = diff_n(a, b, 3);
	is(c, 0, "message_enabled", "messages.closed",
	   "Messaggio azienda chiusa attivato", "Closed message enabled");
	before_is(c, 0, "false");
	after_is(c, 0, "true");
	is(c, 1, "message_enabled", "messages.welcome",
	   "Messaggio di benvenuto attivato", "Welcome message enabled");
	/* Stored but off on both sides (absent is off): an edit. */
	is(c, 2, "message_changed", "messages.no_answer",
	   "Messaggio libero non risponde (non attivo) modificato",
	   "No-answer message (off) changed");
	json_decref(c);

	json_decref(a);
	a = json_deep_copy(b);
	set(b, "messages.welcome", "enabled", "false");
	set(b, "messages.no_answer", "enabled", "true");
	c = diff_n(a, b, 2);
	is(c, 0, "message_disabled", "messages.welcome",
	   "Messaggio di benvenuto disattivato", "Welcome message disabled");
	is(c, 1, "message_enabled", "messages.no_answer",
	   "Messaggio libero non risponde attivato",
	   "No-answer message enabled");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void message_changes_worded(void **state)
{
	(void)state;
	json_t *a = doc();
	set(a, "messages", "closed", closed);
	set(a, "messages", "no_answer",
	    "{\"enabled\": true, \"template_id\": \"no_answer_retry\", "
	    "\"values\": {}, \"voice\": \"female\", \"languages\": [\"it\"], "
	    "\"rings\": 4}");
	json_t *b = json_deep_copy(a);
	set(b, "messages.closed.values", "open", "\"08:30\"");
	set(b, "messages.closed", "voice", "\"male\"");
	set(b, "messages.closed", "languages", "[\"en\"]");
	set(b, "messages.closed", "valid_from", "\"2026-12-24T10:00\"");
	set(b, "messages.closed", "valid_to", "\"2026-12-27T08:00\"");
	set(b, "messages.closed", "ranges",
	    "[{\"days\": [\"monday\", \"tuesday\", \"wednesday\", "
	    "\"thursday\", \"friday\"], \"from\": \"08:30\", \"to\": "
	    "\"13:00\"}, {\"days\": [\"saturday\", \"monday\"], \"from\": "
	    "\"09:00\", \"to\": \"12:00\"}]");
	set(b, "messages.no_answer", "rings", "6");
	json_t *c = diff_n(a, b, 6);
	is(c, 0, "message_changed", "messages.closed.values",
	   "Messaggio azienda chiusa: open 09:00 → 08:30",
	   "Closed message: open 09:00 → 08:30");
	before_is(c, 0, "\"09:00\"");
	after_is(c, 0, "\"08:30\"");
	is(c, 1, "message_changed", "messages.closed.voice",
	   "Messaggio azienda chiusa: voce femminile → maschile",
	   "Closed message: voice female → male");
	is(c, 2, "message_changed", "messages.closed.languages",
	   "Messaggio azienda chiusa: lingue italiano, inglese → inglese",
	   "Closed message: languages Italian, English → English");
	is(c, 3, "message_changed", "messages.closed.validity",
	   "Messaggio azienda chiusa: validità sempre → dal 2026-12-24 "
	   "10:00 al 2026-12-27 08:00",
	   "Closed message: validity always → from 2026-12-24 10:00 to "
	   "2026-12-27 08:00");
	after_is(c, 3,
		 "{\"valid_from\": \"2026-12-24T10:00\", \"valid_to\": "
		 "\"2026-12-27T08:00\"}");
	is(c, 4, "message_changed", "messages.closed.ranges",
	   "Messaggio azienda chiusa: fasce orarie lun–ven 09:00–18:00 → "
	   "lun–ven 08:30–13:00; lun, sab 09:00–12:00",
	   "Closed message: time ranges Mon–Fri 09:00–18:00 → Mon–Fri "
	   "08:30–13:00; Mon, Sat 09:00–12:00");
	is(c, 5, "message_changed", "messages.no_answer.rings",
	   "Messaggio libero non risponde: squilli 4 → 6",
	   "No-answer message: rings 4 → 6");
	json_decref(c);

	/* Open-ended validity, either end; two adjacent days. */
	json_decref(a);
	a = json_deep_copy(b);
	json_object_del(at(b, "messages.closed"), "valid_from");
	set(b, "messages.closed", "ranges",
	    "[{\"days\": [\"saturday\", \"sunday\"], \"from\": \"10:00\", "
	    "\"to\": \"24:00\"}]");
	c = diff_n(a, b, 2);
	is(c, 0, "message_changed", "messages.closed.validity",
	   "Messaggio azienda chiusa: validità dal 2026-12-24 10:00 al "
	   "2026-12-27 08:00 → fino al 2026-12-27 08:00",
	   "Closed message: validity from 2026-12-24 10:00 to 2026-12-27 "
	   "08:00 → until 2026-12-27 08:00");
	is(c, 1, "message_changed", "messages.closed.ranges",
	   "Messaggio azienda chiusa: fasce orarie lun–ven 08:30–13:00; lun, "
	   "sab 09:00–12:00 → sab, dom 10:00–24:00",
	   "Closed message: time ranges Mon–Fri 08:30–13:00; Mon, Sat "
	   "09:00–12:00 → Sat, Sun 10:00–24:00");
	json_decref(c);
	json_decref(a);
	a = json_deep_copy(b);
	set(b, "messages.closed", "valid_from", "\"2026-12-20T00:00\"");
	json_object_del(at(b, "messages.closed"), "valid_to");
	set(b, "messages.closed", "ranges", "[]");
	c = diff_n(a, b, 2);
	is(c, 0, "message_changed", "messages.closed.validity",
	   "Messaggio azienda chiusa: validità fino al 2026-12-27 08:00 → "
	   "dal 2026-12-20 00:00",
	   "Closed message: validity until 2026-12-27 08:00 → from "
	   "2026-12-20 00:00");
	is(c, 1, "message_changed", "messages.closed.ranges",
	   "Messaggio azienda chiusa: fasce orarie sab, dom 10:00–24:00 → "
	   "nessuna",
	   "Closed message: time ranges Sat, Sun 10:00–24:00 → none");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void message_template_changed_says_only_that(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	set(a, "messages", "closed", closed);
	set(b, "messages", "closed", closed);
	set(b, "messages.closed", "template_id", "\"closed_holidays\"");
	set(b, "messages.closed", "values",
	    "{\"date_from\": \"2026-12-24\", \"date_to\": \"2026-12-27\"}");
	json_t *c = diff_n(a, b, 1);
	is(c, 0, "message_changed", "messages.closed.template",
	   "Messaggio azienda chiusa: modello closed_hours → "
	   "closed_holidays",
	   "Closed message: template closed_hours → closed_holidays");
	json_decref(c);
	/* A value removed. */
	json_decref(b);
	b = json_deep_copy(a);
	json_object_del(at(b, "messages.closed.values"), "day_to");
	c = diff_n(a, b, 1);
	is(c, 0, "message_changed", "messages.closed.values",
	   "Messaggio azienda chiusa: day_to friday → —",
	   "Closed message: day_to friday → —");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void settings_changed_after_the_first_version(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	set(b, "", "max_calls", "20");
	set(b, "", "allow_international", "true");
	set(b, "", "timezone", "\"Europe/London\"");
	json_t *c = diff_n(a, b, 3);
	is(c, 0, "setting_changed", "timezone",
	   "Fuso orario: Europe/Rome → Europe/London",
	   "Time zone: Europe/Rome → Europe/London");
	is(c, 1, "setting_changed", "allow_international",
	   "Chiamate internazionali: no → sì", "International calls: no → yes");
	is(c, 2, "setting_changed", "max_calls",
	   "Chiamate contemporanee: 10 → 20", "Concurrent calls: 10 → 20");
	before_is(c, 2, "10");
	after_is(c, 2, "20");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

static void unworded_differences_still_count(void **state)
{
	(void)state;
	json_t *a = doc(), *b = doc();
	set(b, "ringing", "colour", "\"red\"");
	set(b, "users.0", "photo", "true");
	json_t *c = diff_n(a, b, 2);
	is(c, 0, "other", MARIO, "Mario (01) modificato", "Mario (01) changed");
	is(c, 1, "other", "ringing", "Squillo modificato", "Ringing changed");
	json_decref(c);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_document_no_change),
		cmocka_unit_test(first_version_everything_is_new),
		cmocka_unit_test(people_added_and_removed),
		cmocka_unit_test(person_renamed_extension_username_email),
		cmocka_unit_test(ringing_mode_order_rings),
		cmocka_unit_test(member_of_a_removed_person_keeps_a_name),
		cmocka_unit_test(forwarding_set_changed_removed),
		cmocka_unit_test(messages_enabled_disabled),
		cmocka_unit_test(message_changes_worded),
		cmocka_unit_test(message_template_changed_says_only_that),
		cmocka_unit_test(settings_changed_after_the_first_version),
		cmocka_unit_test(unworded_differences_still_count),
	};
	return cmocka_run_group_tests_name("admin_diff", tests, NULL, NULL);
}
