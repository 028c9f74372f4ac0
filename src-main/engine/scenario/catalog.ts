/**
 * Names, paths and agents the scenario draws from. Invented for Vigil (no dataset copied): a
 * small company site with a blog, a shop and an internal app behind basic auth.
 */

export const STAFF_USERS = [
  'alice', 'bob', 'carol', 'dmitri', 'erin', 'farah', 'gustavo', 'hana', 'ivan', 'jules', 'kofi', 'lena', 'marek', 'noor',
] as const;

/** Service and default accounts that exist on the box but nobody logs into interactively. */
export const SYSTEM_USERS = ['root', 'ubuntu', 'deploy', 'backup', 'git', 'postgres', 'www-data'] as const;

/** Accounts that do not exist on the host: sshd says "Invalid user". */
export const COMMON_INVALID_USERS = [
  'admin', 'test', 'user', 'oracle', 'guest', 'support', 'ftpuser', 'pi', 'ubnt', 'teamspeak', 'minecraft', 'hadoop',
  'nagios', 'tomcat', 'jenkins', 'zabbix', 'ansible', 'vagrant', 'odoo', 'elastic', 'steam', 'mysql', 'dev', 'demo',
];

const FIRST = ['james', 'maria', 'wei', 'olga', 'sam', 'priya', 'tom', 'yuki', 'ana', 'li', 'omar', 'kate', 'raj', 'eva', 'ben', 'ines', 'max', 'zoe'];
const LAST = ['smith', 'garcia', 'chen', 'novak', 'khan', 'brown', 'silva', 'ito', 'meyer', 'rossi', 'okafor', 'berg'];

/** Leaked-list style usernames (email-ish local parts and handles) for credential stuffing. */
export function leakedUsernames(): string[] {
  const out: string[] = [];
  for (const f of FIRST) for (const l of LAST) out.push(`${f}.${l}`, `${f}${l.slice(0, 1)}`);
  return out;
}

export const SITE_PATHS: string[] = (() => {
  const p = ['/', '/about', '/contact', '/pricing', '/blog', '/shop', '/careers', '/docs', '/faq', '/privacy', '/terms', '/robots.txt', '/sitemap.xml', '/favicon.ico'];
  for (let i = 1; i <= 60; i++) p.push(`/blog/2024/${String((i % 12) + 1).padStart(2, '0')}/post-${i}`);
  for (let i = 1; i <= 80; i++) p.push(`/shop/item/${1000 + i}`);
  for (let i = 1; i <= 25; i++) p.push(`/docs/guide/chapter-${i}`);
  return p;
})();

export const STATIC_ASSETS = ['/static/css/site.css', '/static/js/app.js', '/static/js/vendor.js', '/static/img/logo.svg', '/static/img/hero.jpg', '/static/fonts/inter.woff2'];

export const APP_PATHS = ['/app/', '/app/dashboard', '/app/reports', '/app/reports/weekly', '/app/tickets', '/app/settings', '/app/api/tickets?page=1', '/app/api/metrics'];

export const ADMIN_PATHS = ['/admin/', '/admin/users', '/admin/audit', '/admin/settings'];

/** What reconnaissance tools and bots ask for first. */
export const PROBE_PATHS = [
  '/.env', '/.git/config', '/.git/HEAD', '/.svn/entries', '/.aws/credentials', '/.DS_Store', '/wp-login.php', '/wp-admin/',
  '/xmlrpc.php', '/phpmyadmin/', '/pma/', '/admin.php', '/administrator/', '/server-status', '/actuator/env', '/actuator/health',
  '/manager/html', '/cgi-bin/test.cgi', '/config.php', '/config.json', '/backup.zip', '/backup.sql', '/db.sql', '/dump.sql',
  '/.htaccess', '/.htpasswd', '/web.config', '/console', '/debug/pprof', '/api/v1/users', '/graphql', '/solr/admin',
  '/jenkins/login', '/owa/', '/boaform/admin/formLogin', '/HNAP1/', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
];

/** Words a directory brute-forcer appends to the site root. */
export const DIR_WORDS = [
  'admin', 'backup', 'backups', 'old', 'new', 'test', 'tmp', 'temp', 'dev', 'staging', 'api', 'v1', 'v2', 'uploads', 'files', 'images',
  'img', 'js', 'css', 'include', 'includes', 'lib', 'logs', 'log', 'private', 'secret', 'data', 'db', 'sql', 'conf', 'config',
  'install', 'setup', 'panel', 'cpanel', 'portal', 'login', 'user', 'users', 'account', 'shop-old', 'archive', 'bak', 'src', 'dist',
  'build', 'node_modules', 'vendor', 'wp', 'wordpress', 'joomla', 'drupal', 'cms', 'cgi', 'bin', 'scripts', 'server', 'status',
];

export const BROWSER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
];

/** Agents a stuffing tool rotates through: browsers of many versions, so the pool is large. */
export function rotatingAgents(): string[] {
  const out: string[] = [];
  for (let v = 100; v < 124; v++) {
    out.push(`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`);
    out.push(`Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`);
  }
  return out;
}

export const CRAWLERS = [
  { name: 'googlebot', ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', net: '66.249.66.' },
  { name: 'bingbot', ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', net: '157.55.39.' },
  { name: 'duckduckbot', ua: 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', net: '20.191.45.' },
] as const;

export const SCANNER_AGENTS = [
  { tool: 'nikto', ua: 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)' },
  { tool: 'sqlmap', ua: 'sqlmap/1.8.2#stable (https://sqlmap.org)' },
  { tool: 'nuclei', ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36 nuclei' },
  { tool: 'gobuster', ua: 'gobuster/3.6' },
  { tool: 'wpscan', ua: 'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)' },
  { tool: 'dirbuster', ua: 'DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)' },
  { tool: 'nmap', ua: 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)' },
  { tool: 'zgrab', ua: 'Mozilla/5.0 zgrab/0.x' },
  { tool: 'masscan', ua: 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)' },
] as const;

export const SCRIPT_AGENTS = ['python-requests/2.31.0', 'curl/8.5.0', 'Go-http-client/1.1', 'okhttp/4.12.0'];

export const SUDO_COMMANDS = [
  '/usr/bin/systemctl restart nginx', '/usr/bin/journalctl -u app --since today', '/usr/bin/apt-get update',
  '/usr/bin/tail -n 200 /var/log/app/error.log', '/usr/bin/docker ps', '/usr/bin/systemctl status postgresql',
];
