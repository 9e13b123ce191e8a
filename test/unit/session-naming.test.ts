import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_USERNAME_TEMPLATE,
  sessionIdForChip,
  stickyUsername,
  validateUsernameTemplate,
} from '@chipgate/workflows/rules/session-naming';

describe('validateUsernameTemplate', () => {
  it('accepts templates with {session} and at most one {username}', () => {
    for (const good of [DEFAULT_USERNAME_TEMPLATE, '{session}', 'user-{username}-sessid-{session}', '{username}_s.{session}~x+y=z,w']) {
      assert.equal(validateUsernameTemplate(good), null, good);
    }
  });

  it('refuses a template without {session}', () => {
    assert.match(validateUsernameTemplate('{username}-session')!, /must contain \{session\}/);
  });

  it('refuses placeholders other than {username} and {session}', () => {
    assert.match(validateUsernameTemplate('{username}-{country}-{session}')!, /unknown placeholder \{country\}/);
    assert.match(validateUsernameTemplate('{Session}')!, /unknown placeholder \{Session\}/);
  });

  it('refuses repeated placeholders and stray braces', () => {
    assert.match(validateUsernameTemplate('{session}-{session}')!, /\{session\} only once/);
    assert.match(validateUsernameTemplate('{username}{username}-{session}')!, /\{username\} at most once/);
    assert.match(validateUsernameTemplate('{username-{session}')!, /unmatched/);
    assert.match(validateUsernameTemplate('{user{session}name}')!, /unmatched/);
  });

  it('refuses characters a proxy username cannot carry', () => {
    assert.match(validateUsernameTemplate('{username}:{session}')!, /":"/);
    assert.match(validateUsernameTemplate('{username} {session}')!, /" "/);
    assert.match(validateUsernameTemplate('{username}@{session}')!, /"@"/);
  });

  it('refuses empty and overlong templates', () => {
    assert.match(validateUsernameTemplate('')!, /empty/);
    assert.match(validateUsernameTemplate(`${'x'.repeat(100)}{session}`)!, /at most 100/);
  });
});

describe('stickyUsername', () => {
  it('uses {username}-session-{session} by default', () => {
    assert.equal(stickyUsername(undefined, 'acct', 'abc123'), 'acct-session-abc123');
    assert.equal(stickyUsername(null, 'acct', 'abc123'), 'acct-session-abc123');
  });

  it('fills a custom template', () => {
    assert.equal(stickyUsername('user-{username}-sessid-{session}-time-30', 'acct', 'S1'), 'user-acct-sessid-S1-time-30');
  });

  it('copies the username literally, `$` patterns included', () => {
    assert.equal(stickyUsername(undefined, 'a$&b$1', 'S1'), 'a$&b$1-session-S1');
  });

  it('refuses a bad template or session id, naming which', () => {
    assert.throws(() => stickyUsername('{username}', 'acct', 'S1'), /usernameTemplate must contain \{session\}/);
    assert.throws(() => stickyUsername(undefined, 'acct', 'a-b'), /sessionId must be 1 to 24 letters or digits/);
    assert.throws(() => stickyUsername(undefined, 'acct', 'x'.repeat(25)), /sessionId/);
  });
});

describe('sessionIdForChip', () => {
  it('is a stable alphanumeric id of at most 24 characters', () => {
    const id = sessionIdForChip('3f1c2a9e-8d7b-4c6a-9e1f-0a2b3c4d5e6f', 0);
    assert.match(id, /^[A-Za-z0-9]{1,24}$/);
    assert.equal(sessionIdForChip('3f1c2a9e-8d7b-4c6a-9e1f-0a2b3c4d5e6f', 0), id);
  });

  it('gives a new id per generation and per chip', () => {
    const chip = 'chip-1';
    assert.notEqual(sessionIdForChip(chip, 1), sessionIdForChip(chip, 0));
    assert.notEqual(sessionIdForChip('chip-2', 0), sessionIdForChip(chip, 0));
    assert.notEqual(sessionIdForChip('a1', 2), sessionIdForChip('a', 12));
  });

  it('does not collide across many chips and generations', () => {
    const ids = new Set<string>();
    for (let chip = 0; chip < 2000; chip++) {
      for (let generation = 0; generation < 5; generation++) ids.add(sessionIdForChip(`chip-${chip}`, generation));
    }
    assert.equal(ids.size, 10_000);
  });

  it('builds a username the sticky template accepts', () => {
    const id = sessionIdForChip('chip-1', 3);
    assert.equal(stickyUsername(undefined, 'acct', id), `acct-session-${id}`);
  });

  it('refuses an empty chip id or a bad generation', () => {
    assert.throws(() => sessionIdForChip('', 0), /chipId must not be empty/);
    assert.throws(() => sessionIdForChip('chip-1', -1), /generation must be a non-negative integer/);
    assert.throws(() => sessionIdForChip('chip-1', 1.5), /generation/);
  });
});
