import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signWebhook, webhookHeaders, webhookKey } from '../../../src/engine/process/delivery-signing.js';

test('signatures match the Standard Webhooks reference vector', () => {
  const key = webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  assert.equal(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

test('headers: the id as given, the timestamp in whole seconds, a signature only with a key', () => {
  const key = webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  assert.deepEqual(webhookHeaders(null, 'msg_1', 1614265330999, '{}'), { 'webhook-id': 'msg_1', 'webhook-timestamp': '1614265330' });
  const signed = webhookHeaders(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330_500, '{"test": 2432232314}');
  assert.equal(signed['webhook-signature'], 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});
