-- revision: 0020_chalpost
-- The schema the migrations build on a new SQLite file, which bot/store/schema.py
-- loads into new files instead. Written by `make schema-snapshot`; do not edit.

CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE space (
	id INTEGER NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	external_id VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, uninstalled_at DATETIME, purged_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_space_platform_ext UNIQUE (platform, external_id)
);

CREATE TABLE delivery (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_delivery_space_key UNIQUE (space_id, "key")
);

CREATE INDEX ix_delivery_created_at ON delivery (created_at);

CREATE TABLE challenge (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	channel_id INTEGER NOT NULL, 
	started_by INTEGER NOT NULL, 
	topic VARCHAR(80), 
	rounds INTEGER NOT NULL, 
	active_slot INTEGER, 
	delivery_key VARCHAR(200), 
	created_at DATETIME NOT NULL, 
	last_activity_at DATETIME NOT NULL, 
	ended_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(channel_id) REFERENCES channel (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	FOREIGN KEY(started_by) REFERENCES member (id), 
	CONSTRAINT uq_challenge_active UNIQUE (channel_id, active_slot)
);

CREATE INDEX ix_challenge_channel_id ON challenge (channel_id);

CREATE INDEX ix_challenge_space_id ON challenge (space_id);

CREATE TABLE pairingoptin (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	channel_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(channel_id) REFERENCES channel (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_pairing_channel_member UNIQUE (channel_id, member_id)
);

CREATE INDEX ix_pairingoptin_channel_id ON pairingoptin (channel_id);

CREATE INDEX ix_pairingoptin_member_id ON pairingoptin (member_id);

CREATE INDEX ix_pairingoptin_space_id ON pairingoptin (space_id);

CREATE TABLE pointevent (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	points INTEGER NOT NULL, 
	reason VARCHAR(32) NOT NULL, 
	event_key VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_points_space_key UNIQUE (space_id, event_key)
);

CREATE INDEX ix_pointevent_created_at ON pointevent (created_at);

CREATE INDEX ix_pointevent_member_id ON pointevent (member_id);

CREATE INDEX ix_pointevent_space_id ON pointevent (space_id);

CREATE TABLE promptpost (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	channel_id INTEGER NOT NULL, 
	scenario_id VARCHAR(80) NOT NULL, 
	local_date DATE, 
	delivery_key VARCHAR(200), 
	status VARCHAR(16) NOT NULL, 
	message_id VARCHAR(64), 
	reason VARCHAR(300) NOT NULL, 
	created_at DATETIME NOT NULL, 
	posted_at DATETIME, 
	closes_at DATETIME, 
	reminded_at DATETIME, 
	revealed_at DATETIME, lease_until DATETIME, attempts INTEGER DEFAULT '0' NOT NULL, focus VARCHAR(300) DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(channel_id) REFERENCES channel (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_prompt_channel_delivery UNIQUE (channel_id, delivery_key), 
	CONSTRAINT uq_prompt_channel_date UNIQUE (channel_id, local_date)
);

CREATE INDEX ix_promptpost_channel_id ON promptpost (channel_id);

CREATE INDEX ix_promptpost_message_id ON promptpost (message_id);

CREATE INDEX ix_promptpost_space_id ON promptpost (space_id);

CREATE INDEX ix_promptpost_status ON promptpost (status);

CREATE TABLE quizattempt (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	item_id VARCHAR(80) NOT NULL, 
	topic VARCHAR(80) NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	token VARCHAR(80) NOT NULL, 
	correct BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_attempt_member_token UNIQUE (member_id, token)
);

CREATE INDEX ix_quizattempt_created_at ON quizattempt (created_at);

CREATE INDEX ix_quizattempt_member_id ON quizattempt (member_id);

CREATE INDEX ix_quizattempt_space_id ON quizattempt (space_id);

CREATE TABLE answer (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	prompt_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, frozen_told_at DATETIME, capped_told_at DATETIME, crowned BOOLEAN DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(prompt_id) REFERENCES promptpost (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_answer_prompt_member UNIQUE (prompt_id, member_id)
);

CREATE INDEX ix_answer_member_id ON answer (member_id);

CREATE INDEX ix_answer_prompt_id ON answer (prompt_id);

CREATE INDEX ix_answer_space_id ON answer (space_id);

CREATE TABLE challengeround (
	id INTEGER NOT NULL, 
	challenge_id INTEGER NOT NULL, 
	round_no INTEGER NOT NULL, 
	item_id VARCHAR(80) NOT NULL, 
	started_at DATETIME NOT NULL, 
	message_id VARCHAR(64), 
	winner_id INTEGER, 
	won_at DATETIME, 
	closed_at DATETIME, posted_at DATETIME, post_lease_until DATETIME, post_attempts INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(challenge_id) REFERENCES challenge (id), 
	FOREIGN KEY(winner_id) REFERENCES member (id), 
	CONSTRAINT uq_round_challenge_no UNIQUE (challenge_id, round_no)
);

CREATE INDEX ix_challengeround_challenge_id ON challengeround (challenge_id);

CREATE TABLE answerpart (
	id INTEGER NOT NULL, 
	answer_id INTEGER NOT NULL, 
	prompt_id INTEGER NOT NULL, 
	message_id VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(answer_id) REFERENCES answer (id), 
	FOREIGN KEY(prompt_id) REFERENCES promptpost (id), 
	CONSTRAINT uq_part_prompt_message UNIQUE (prompt_id, message_id)
);

CREATE INDEX ix_answerpart_answer_id ON answerpart (answer_id);

CREATE INDEX ix_answerpart_message_id ON answerpart (message_id);

CREATE INDEX ix_answerpart_prompt_id ON answerpart (prompt_id);

CREATE TABLE quizpresentation (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	token VARCHAR(80) NOT NULL, 
	item_id VARCHAR(80) NOT NULL, 
	topic VARCHAR(80) NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_presentation_member_token UNIQUE (member_id, token)
);

CREATE INDEX ix_quizpresentation_member_id ON quizpresentation (member_id);

CREATE INDEX ix_quizpresentation_space_id ON quizpresentation (space_id);

CREATE TABLE pairinground (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	channel_id INTEGER NOT NULL, 
	round_key VARCHAR(200) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	check_in_at DATETIME, 
	checked_in_at DATETIME, number INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(channel_id) REFERENCES channel (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_pairing_round_key UNIQUE (channel_id, round_key)
);

CREATE INDEX ix_pairinground_channel_id ON pairinground (channel_id);

CREATE INDEX ix_pairinground_space_id ON pairinground (space_id);

CREATE TABLE pairingfeedback (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	candidate_id INTEGER NOT NULL, 
	reviewer_id INTEGER NOT NULL, 
	question VARCHAR(40) NOT NULL, 
	rating INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(candidate_id) REFERENCES member (id), 
	FOREIGN KEY(reviewer_id) REFERENCES member (id), 
	FOREIGN KEY(round_id) REFERENCES pairinground (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_pairing_feedback UNIQUE (round_id, candidate_id, reviewer_id, question)
);

CREATE INDEX ix_pairingfeedback_candidate_id ON pairingfeedback (candidate_id);

CREATE INDEX ix_pairingfeedback_round_id ON pairingfeedback (round_id);

CREATE INDEX ix_pairingfeedback_space_id ON pairingfeedback (space_id);

CREATE TABLE pairingseat (
	id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	group_no INTEGER NOT NULL, 
	role VARCHAR(16) NOT NULL, delivered_at DATETIME, failure VARCHAR(32) DEFAULT '' NOT NULL, lease_until DATETIME, met VARCHAR(8) DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(round_id) REFERENCES pairinground (id), 
	CONSTRAINT uq_pairing_seat_member UNIQUE (round_id, member_id)
);

CREATE INDEX ix_pairingseat_member_id ON pairingseat (member_id);

CREATE INDEX ix_pairingseat_round_id ON pairingseat (round_id);

CREATE TABLE savedquestion (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	item_id VARCHAR(80) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_saved_question_member_item UNIQUE (member_id, item_id)
);

CREATE INDEX ix_savedquestion_member_id ON savedquestion (member_id);

CREATE INDEX ix_savedquestion_space_id ON savedquestion (space_id);

CREATE TABLE "member" (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	external_id VARCHAR(64) NOT NULL, 
	display_name VARCHAR(200) NOT NULL, 
	timezone VARCHAR(64), 
	interview_date DATE, 
	interview_company VARCHAR(80), 
	created_at DATETIME NOT NULL, 
	plan_channel_id INTEGER, timezone_source VARCHAR(16), prompt_reminders BOOLEAN DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_member_space_ext UNIQUE (space_id, external_id), 
	CONSTRAINT fk_member_plan_channel FOREIGN KEY(plan_channel_id) REFERENCES channel (id), 
	FOREIGN KEY(space_id) REFERENCES space (id)
);

CREATE TABLE report (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	pack_id VARCHAR(80) NOT NULL, 
	item_id VARCHAR(80) NOT NULL, 
	note TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	resolved_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_report_member_item UNIQUE (member_id, pack_id, item_id)
);

CREATE INDEX ix_report_item_id ON report (item_id);

CREATE INDEX ix_report_member_id ON report (member_id);

CREATE INDEX ix_report_space_id ON report (space_id);

CREATE TABLE organizer (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	channel_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	added_by INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(added_by) REFERENCES member (id), 
	FOREIGN KEY(channel_id) REFERENCES channel (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_organizer_channel_member UNIQUE (channel_id, member_id)
);

CREATE INDEX ix_organizer_channel_id ON organizer (channel_id);

CREATE INDEX ix_organizer_member_id ON organizer (member_id);

CREATE INDEX ix_organizer_space_id ON organizer (space_id);

CREATE TABLE "channel" (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	external_id VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	post_time VARCHAR(5), 
	weekdays VARCHAR(20) NOT NULL, 
	pack_id VARCHAR(80) NOT NULL, 
	voting_hours FLOAT, 
	reminders BOOLEAN NOT NULL, 
	pairing_weekday INTEGER, 
	created_at DATETIME NOT NULL, 
	schedule_from DATETIME, 
	schedule_set_by INTEGER, 
	paused_at DATETIME, 
	paused_reason VARCHAR(32) DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_channel_space_ext UNIQUE (space_id, external_id), 
	CONSTRAINT fk_channel_schedule_set_by FOREIGN KEY(schedule_set_by) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id)
);

CREATE INDEX ix_channel_space_id ON channel (space_id);

CREATE TABLE reviewlog (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	item_id VARCHAR(80) NOT NULL, 
	rating INTEGER NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	token VARCHAR(80) NOT NULL, 
	reviewed_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_reviewlog_member_token UNIQUE (member_id, token)
);

CREATE INDEX ix_reviewlog_member_id ON reviewlog (member_id);

CREATE INDEX ix_reviewlog_space_id ON reviewlog (space_id);

CREATE TABLE "reviewcard" (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	item_id VARCHAR(80) NOT NULL, 
	lapses INTEGER NOT NULL, 
	due_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	state INTEGER DEFAULT '1' NOT NULL, 
	step INTEGER, 
	stability FLOAT, 
	difficulty FLOAT, 
	last_review DATETIME, 
	reps INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_review_member_item UNIQUE (member_id, item_id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id)
);

CREATE INDEX ix_reviewcard_due_at ON reviewcard (due_at);

CREATE INDEX ix_reviewcard_member_id ON reviewcard (member_id);

CREATE INDEX ix_reviewcard_space_id ON reviewcard (space_id);

CREATE TABLE postslot (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_postslot_space_key UNIQUE (space_id, "key")
);

CREATE INDEX ix_postslot_created_at ON postslot (created_at);

CREATE INDEX ix_postslot_space_id ON postslot (space_id);

CREATE TABLE "vote" (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	prompt_id INTEGER NOT NULL, 
	answer_id INTEGER NOT NULL, 
	voter_id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	slot INTEGER DEFAULT '1' NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_vote_answer_voter UNIQUE (answer_id, voter_id), 
	CONSTRAINT uq_vote_prompt_voter_slot UNIQUE (prompt_id, voter_id, slot), 
	FOREIGN KEY(answer_id) REFERENCES answer (id), 
	FOREIGN KEY(prompt_id) REFERENCES promptpost (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	FOREIGN KEY(voter_id) REFERENCES member (id)
);

CREATE INDEX ix_vote_answer_id ON vote (answer_id);

CREATE INDEX ix_vote_prompt_id ON vote (prompt_id);

CREATE INDEX ix_vote_space_id ON vote (space_id);

CREATE INDEX ix_vote_voter_id ON vote (voter_id);

CREATE TABLE "promptnotice" (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	prompt_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	kind VARCHAR(24) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_notice_prompt_member_kind UNIQUE (prompt_id, member_id, kind), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(prompt_id) REFERENCES promptpost (id), 
	FOREIGN KEY(space_id) REFERENCES space (id)
);

CREATE INDEX ix_promptnotice_member_id ON promptnotice (member_id);

CREATE INDEX ix_promptnotice_prompt_id ON promptnotice (prompt_id);

CREATE INDEX ix_promptnotice_space_id ON promptnotice (space_id);

CREATE TABLE "lateanswer" (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	prompt_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	message_id VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_late_prompt_message UNIQUE (prompt_id, message_id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(prompt_id) REFERENCES promptpost (id), 
	FOREIGN KEY(space_id) REFERENCES space (id)
);

CREATE INDEX ix_lateanswer_member_id ON lateanswer (member_id);

CREATE INDEX ix_lateanswer_prompt_id ON lateanswer (prompt_id);

CREATE INDEX ix_lateanswer_space_id ON lateanswer (space_id);

CREATE TABLE dailyclaim (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	kind VARCHAR(24) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, sent_at DATETIME, lease_until DATETIME, attempts INTEGER DEFAULT '0' NOT NULL, failure VARCHAR(40) DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_dailyclaim_space_kind_key UNIQUE (space_id, kind, "key")
);

CREATE INDEX ix_dailyclaim_created_at ON dailyclaim (created_at);

CREATE INDEX ix_dailyclaim_space_id ON dailyclaim (space_id);

CREATE TABLE memberday (
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	day DATE NOT NULL, 
	points INTEGER NOT NULL, 
	awards INTEGER NOT NULL, 
	votes INTEGER NOT NULL, 
	PRIMARY KEY (space_id, member_id, day), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id)
);

CREATE INDEX ix_memberday_space_day ON memberday (space_id, day);

CREATE TABLE membertotal (
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	points INTEGER NOT NULL, 
	awards INTEGER NOT NULL, 
	votes INTEGER NOT NULL, 
	PRIMARY KEY (space_id, member_id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id)
);

CREATE TABLE memberplan (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	day DATE NOT NULL, 
	weakest VARCHAR(80) NOT NULL, 
	story_id VARCHAR(80) NOT NULL, 
	ask_id VARCHAR(80) NOT NULL, 
	reviews TEXT NOT NULL, 
	due INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_memberplan_member_day UNIQUE (member_id, day)
);

CREATE INDEX ix_memberplan_member_id ON memberplan (member_id);

CREATE INDEX ix_memberplan_space_id ON memberplan (space_id);

CREATE TABLE pairingnote (
	id INTEGER NOT NULL, 
	space_id INTEGER NOT NULL, 
	round_id INTEGER NOT NULL, 
	candidate_id INTEGER NOT NULL, 
	reviewer_id INTEGER NOT NULL, 
	note TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(candidate_id) REFERENCES member (id), 
	FOREIGN KEY(reviewer_id) REFERENCES member (id), 
	FOREIGN KEY(round_id) REFERENCES pairinground (id), 
	FOREIGN KEY(space_id) REFERENCES space (id), 
	CONSTRAINT uq_pairing_note UNIQUE (round_id, candidate_id, reviewer_id)
);

CREATE INDEX ix_pairingnote_candidate_id ON pairingnote (candidate_id);

CREATE INDEX ix_pairingnote_round_id ON pairingnote (round_id);

CREATE INDEX ix_pairingnote_space_id ON pairingnote (space_id);

CREATE TABLE slack_installations (
	id INTEGER NOT NULL, 
	client_id VARCHAR(32) NOT NULL, 
	app_id VARCHAR(32) NOT NULL, 
	enterprise_id VARCHAR(32), 
	enterprise_name VARCHAR(200), 
	enterprise_url VARCHAR(200), 
	team_id VARCHAR(32), 
	team_name VARCHAR(200), 
	bot_token VARCHAR(200), 
	bot_id VARCHAR(32), 
	bot_user_id VARCHAR(32), 
	bot_scopes VARCHAR(1000), 
	bot_refresh_token VARCHAR(200), 
	bot_token_expires_at DATETIME, 
	user_id VARCHAR(32) NOT NULL, 
	user_token VARCHAR(200), 
	user_scopes VARCHAR(1000), 
	user_refresh_token VARCHAR(200), 
	user_token_expires_at DATETIME, 
	incoming_webhook_url VARCHAR(200), 
	incoming_webhook_channel VARCHAR(200), 
	incoming_webhook_channel_id VARCHAR(200), 
	incoming_webhook_configuration_url VARCHAR(200), 
	is_enterprise_install BOOLEAN NOT NULL, 
	token_type VARCHAR(32), 
	installed_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX slack_installations_idx ON slack_installations (client_id, enterprise_id, team_id, user_id, installed_at);

CREATE TABLE slack_bots (
	id INTEGER NOT NULL, 
	client_id VARCHAR(32) NOT NULL, 
	app_id VARCHAR(32) NOT NULL, 
	enterprise_id VARCHAR(32), 
	enterprise_name VARCHAR(200), 
	team_id VARCHAR(32), 
	team_name VARCHAR(200), 
	bot_token VARCHAR(200), 
	bot_id VARCHAR(32), 
	bot_user_id VARCHAR(32), 
	bot_scopes VARCHAR(1000), 
	bot_refresh_token VARCHAR(200), 
	bot_token_expires_at DATETIME, 
	is_enterprise_install BOOLEAN NOT NULL, 
	installed_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX slack_bots_idx ON slack_bots (client_id, enterprise_id, team_id, installed_at);

CREATE TABLE slack_oauth_states (
	id INTEGER NOT NULL, 
	state VARCHAR(200) NOT NULL, 
	expire_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE tokenlease (
	"key" VARCHAR(200) NOT NULL, 
	holder VARCHAR(64) NOT NULL, 
	until DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE slackteam (
	team_id VARCHAR(32) NOT NULL, 
	enterprise_id VARCHAR(32) NOT NULL, 
	is_enterprise_install BOOLEAN NOT NULL, 
	PRIMARY KEY (team_id)
);
