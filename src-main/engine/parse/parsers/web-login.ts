/**
 * Web logins in an access log: a POST to a login or registration form, or a request whose
 * credentials the server refused (401 naming the account, basic auth). What the answer means
 * depends on the site: an API answers 401 to a wrong password and 200 to a right one, while
 * WordPress, Plone, Drupal or Django re-show their form with 200 on failure and redirect on
 * success. Known conventions are applied; elsewhere a 2xx/3xx answer leaves the result unknown,
 * and the detectors judge such attempts by their volume and spread, not their status.
 */
import type { NormalizedEvent, Outcome } from '../../../../src-shared/event';
import type { ParseContext } from './context';

const LOGIN_PATH =
  /(^|\/)(login|log-in|log_in|signin|sign_in|sign-in|logon|auth|authenticate|session|sessions|token|wp-login\.php|xmlrpc\.php|login_form|@@login|j_security_check|require_login)(\/|\.|$)/;
const REGISTER_PATH = /(^|\/)(register|registration|signup|sign_up|sign-up|join|@@register)(\/|\.|$)/;
/** Forms that answer a wrong password with the form again (200) and a right one with a redirect. */
const FORM_200_FAILS =
  /(^|\/)(wp-login\.php|login_form|@@login|user\/login|admin\/login|users\/sign_in|accounts\/login|require_login)(\/|$)/;
/** JSON and token endpoints: any 2xx or 3xx is a login that worked. */
const API_LOGIN = /(^|\/)(api|oauth|oauth2|v\d+)\/|(^|\/)token(\/|$)/;

/** Path without query string or fragment, lower-cased. */
export function canonicalWebPath(path: string): string {
  let end = path.length;
  const q = path.indexOf('?');
  if (q >= 0) end = q;
  const h = path.indexOf('#');
  if (h >= 0 && h < end) end = h;
  return path.slice(0, end).toLowerCase();
}

/** Login endpoints: a request to one of these that submits credentials is an authentication attempt. */
export function isLoginPath(canonical: string): boolean {
  return LOGIN_PATH.test(canonical);
}

export function isRegisterPath(canonical: string, rawPath: string): boolean {
  return REGISTER_PATH.test(canonical) || (canonical.endsWith('wp-login.php') && /[?&]action=register\b/.test(rawPath));
}

/** The result of a POST to a login form: failure on a refusal, success or unknown on an answer, by the site's convention. */
function formResult(canonical: string, status: number, register: boolean): Outcome {
  if (status === 401 || status === 403 || status === 407 || status === 422 || status === 429) return 'failure';
  if (status >= 400) return register ? 'failure' : 'unknown';
  if (register) return 'unknown';
  if (FORM_200_FAILS.test(canonical)) return status >= 300 ? 'success' : 'failure';
  if (API_LOGIN.test(canonical)) return 'success';
  return 'unknown';
}

/** Sets the auth meaning of an access log line when it is a login attempt. */
export function applyWebLogin(ev: NormalizedEvent, ctx: ParseContext): void {
  const path = ev.path;
  const status = ev.status;
  if (path === null || status === null || status < 200) return;
  const named = ev.user !== null;
  const post = ev.method === 'POST';
  // Most lines are neither (a GET answered, no account named): no string work for them.
  if (!post && status !== 401 && !(named && ctx.auth.hasRefusedBasicAuth())) return;
  const canonical = canonicalWebPath(path);
  const login = isLoginPath(canonical);
  const register = !login && post && isRegisterPath(canonical, path);
  const ip = ev.src_ip;
  const ts = ev.ts ?? 0;
  if ((login || register) && post) {
    ev.action = register ? 'web_register' : 'web_login';
    ctx.auth.record(ev, {
      service: 'http',
      reporter: 'web',
      result: formResult(canonical, status, register),
      method: register ? 'register' : 'form',
    });
    return;
  }
  if (status === 401 && (named || login)) {
    // Credentials refused: basic auth, or a login endpoint that speaks HTTP auth.
    ev.action = 'web_login';
    if (named && ip !== null) ctx.auth.refusedBasicAuth(ip, ev.user!, ts);
    ctx.auth.record(ev, { service: 'http', reporter: 'web', result: 'failure', method: 'basic' });
    return;
  }
  if (named && ip !== null && status < 400 && ctx.auth.takeRefusedBasicAuth(ip, ev.user!, ts)) {
    // The first request let in after a refusal: the login that worked.
    ev.action = 'web_login';
    ctx.auth.record(ev, { service: 'http', reporter: 'web', result: 'success', method: 'basic' });
  }
}
