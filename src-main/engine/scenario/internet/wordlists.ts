/**
 * What bots on the internet try against SSH: short dictionaries of default and service account
 * names, shared by thousands of addresses. Names are common words of the trade, assembled here
 * for Vigil; the lists overlap a little, as real ones do (everyone tries admin and root).
 */
import type { Prng } from '../../detect/behaviour/prng';

const DEFAULT_NAMES = [
  'admin',
  'root',
  'ftpuser',
  'pi',
  'oracle',
  'D-Link',
  'ubnt',
  'support',
  'user',
  'test',
  'guest',
  'mysql',
  'hadoop',
  'nagios',
  'tomcat',
  'jenkins',
  'vagrant',
  'ansible',
  'minecraft',
  'teamspeak',
  'ts3',
  'steam',
  'zabbix',
  'elastic',
  'es',
  'redis',
  'deployer',
  'www',
  'web',
  'apache',
  'nginx',
  'ftp',
  'uucp',
  'operator',
  'sysadmin',
  'administrator',
  'Admin',
  'manager',
  'odoo',
  'centos',
  'debian',
  'fedora',
  'azureuser',
  'ec2-user',
  'student',
  'demo',
  'dev',
  'developer',
  'test1',
  'test2',
  'user1',
  'usuario',
  'hduser',
  'spark',
  'kafka',
  'docker',
  'k8s',
  'gitlab',
  'jira',
  'confluence',
  'sonar',
  'nexus',
  'backup1',
  'db2inst1',
  'informix',
  'sybase',
  'postgres1',
  'mongodb',
  'couchdb',
  'solr',
  'wildfly',
  'jboss',
  'weblogic',
  'cisco',
  'huawei',
  'mikrotik',
  'zyxel',
  'netgear',
  'tplink',
];

/**
 * `count` lists of `size` names each. Every list shares `admin` and `root` and a few names with
 * its neighbour; the rest are its own.
 */
export function wordlists(rng: Prng, count: number, size: number): string[][] {
  const pool = rng.sample(
    DEFAULT_NAMES.filter((n) => n !== 'admin' && n !== 'root'),
    DEFAULT_NAMES.length - 2,
  );
  const own = Math.min(size - 5, Math.floor(pool.length / count));
  const lists: string[][] = [];
  for (let i = 0; i < count; i++) {
    const mine = pool.slice(i * own, (i + 1) * own);
    const neighbour = pool.slice(((i + 1) % count) * own, ((i + 1) % count) * own + 3);
    lists.push(['admin', 'root', ...mine, ...neighbour]);
  }
  return lists;
}
