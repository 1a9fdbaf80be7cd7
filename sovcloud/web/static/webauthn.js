// Security keys (WebAuthn): registration on /account/security-keys, use at the second-factor step.
// Our own static file (the CSP allows no inline script). Binary fields travel as base64url.
(function () {
  'use strict';
  function toBytes(s) {
    var b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    return Uint8Array.from(b, function (c) { return c.charCodeAt(0); });
  }
  function fromBytes(buf) {
    var s = '';
    new Uint8Array(buf).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  async function post(url, body) {
    var r = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: body === undefined ? '{}' : JSON.stringify(body)
    });
    var data = await r.json().catch(function () { return {}; });
    if (!r.ok) { throw new Error(data.detail || String(r.status)); }
    return data;
  }
  function say(el, text) { el.textContent = text; el.hidden = false; el.focus(); }

  var add = document.getElementById('security-key-add');
  if (add) {
    add.addEventListener('submit', async function (event) {
      event.preventDefault();
      var status = document.getElementById('security-key-status');
      try {
        var o = await post('/api/v1/me/security-keys/options');
        o.challenge = toBytes(o.challenge);
        o.user.id = toBytes(o.user.id);
        (o.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        var c = await navigator.credentials.create({ publicKey: o });
        var added = await post('/api/v1/me/security-keys', {
          name: add.elements.name.value,
          credential: {
            id: c.id, rawId: fromBytes(c.rawId), type: c.type,
            response: {
              clientDataJSON: fromBytes(c.response.clientDataJSON),
              attestationObject: fromBytes(c.response.attestationObject),
              transports: c.response.getTransports ? c.response.getTransports() : []
            }
          }
        });
        if (added.recovery_codes) {
          var list = document.getElementById('recovery-codes-list');
          added.recovery_codes.forEach(function (code) {
            var li = document.createElement('li');
            li.textContent = code;
            list.appendChild(li);
          });
          var section = document.getElementById('recovery-codes');
          section.hidden = false;
          section.focus();
        } else {
          window.location.assign('/account/security-keys?done=key_added');
        }
      } catch (err) {
        say(status, add.dataset.failed + ' ' + err.message);
      }
    });
  }

  var use = document.getElementById('security-key-use');
  if (use) {
    use.addEventListener('click', async function () {
      var status = document.getElementById('security-key-status');
      try {
        var o = await post('/api/v1/auth/webauthn/options');
        o.challenge = toBytes(o.challenge);
        (o.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        var a = await navigator.credentials.get({ publicKey: o });
        await post('/api/v1/auth/webauthn', {
          credential: {
            id: a.id, rawId: fromBytes(a.rawId), type: a.type,
            response: {
              clientDataJSON: fromBytes(a.response.clientDataJSON),
              authenticatorData: fromBytes(a.response.authenticatorData),
              signature: fromBytes(a.response.signature),
              userHandle: a.response.userHandle ? fromBytes(a.response.userHandle) : null
            }
          }
        });
        window.location.assign(use.dataset.next || '/');
      } catch (err) {
        say(status, use.dataset.failed + ' ' + err.message);
      }
    });
  }
})();
