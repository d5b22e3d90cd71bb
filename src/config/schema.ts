// The one definition of binpkgbot.yml: types, defaults and descriptions come from here, and so does
// schema/binpkgbot.schema.json for editors.
import {
  boolean, constant, integer, list, literalTrue, object, oneOf, optional, required, string, tagged, withDefault,
  type JsonSchema, type Schema,
} from "./schema-kit.js";
import { serverListSchema } from "./servers.js";
import { DEFAULT_RETRIES, MAX_RETRIES } from "../failure/retry-policy.js";

const trueOrStrings = (what: string): Schema<true | string | (true | string)[]> => {
  const single = oneOf([literalTrue(`true: ${what} the task's own atom`), string(what)], what);
  return oneOf([literalTrue(`true: ${what} the task's own atom`), string(what), list(single, what)], what);
};

const modifierFields = {
  use: optional(
    oneOf([string("USE flags"), list(string("USE flags"), "USE flags")], "USE flags"),
    "USE flags for this build: 'x265 -doc' applies to the task's atom; 'media-libs/x265 numa' is a whole package.use line",
  ),
  accept_keywords: optional(
    trueOrStrings("keywords to accept"),
    "true accepts ~* for the task's atom; '~amd64' or '**' are keywords for the task's atom; 'cat/pkg [keywords]' is a whole line (an atom alone gets ~*)",
  ),
  unmask: optional(trueOrStrings("atoms to unmask"), "true unmasks the task's atom; strings are more atoms to unmask (package.unmask)"),
  mask: optional(trueOrStrings("atoms to mask"), "true masks the task's atom; strings are more atoms to mask (package.mask)"),
};

const retriesDescription = `how many more attempts a transient failure (a download) gets, waiting 30s, then twice as long each time (at most ${MAX_RETRIES})`;
const taskRetries = optional(integer("retries", 0, MAX_RETRIES), `${retriesDescription}; absent: the config's 'retries'`);

const taskMemoryMax = optional(string("size, e.g. '4G'"), "the most memory this task's container may use ('8G', '512M'); absent: the config's memory_max");

const nameField = optional(string("task name"), "a stable name for this task in logs, history and --force (default: made from kind and atom)");

const buildObject = (persistDefault: boolean, what: string) =>
  object(
    {
      atom: required(string("atom"), "the package atom or @set to emerge"),
      persist: withDefault(boolean("persist"), persistDefault, persistDefault
        ? "keep the result in the stage (false: run in a throw-away container)"
        : "keep the result in the stage (default: a throw-away container)"),
      name: nameField,
      retries: taskRetries,
      memory_max: taskMemoryMax,
      ...modifierFields,
    },
    what,
  );

const upgradeTask = oneOf([string("atom to update"), buildObject(true, "emerge --update --deep --newuse ATOM, persisting into the stage")], "upgrade");
const installTask = oneOf([string("atom to install"), buildObject(false, "emerge ATOM in a throw-away container")], "install");

const script = oneOf(
  [string("a shell script"), list(string("a line of shell"), "lines of a shell script, run with set -e")],
  "the script: a string, or a list of lines run with set -e",
);

const runTask = object(
  {
    script: required(script, "the script to run (a string or a list of lines)"),
    host: withDefault(boolean("host"), false, "run on the host instead of in a container of the stage"),
    persist: withDefault(boolean("persist"), true, "keep the changes in the stage (containers only)"),
    name: nameField,
    retries: taskRetries,
    memory_max: taskMemoryMax,
  },
  "run a script on the host or in a container",
);

export const taskSchema = tagged(
  {
    upgrade: upgradeTask,
    install: installTask,
    include: string("a task file or glob, relative to this file; matches run in file-name order"),
    run: runTask,
    server: string("a server's name, or 'all'"),
  },
  "a task",
);

export const taskListSchema = list(taskSchema, "tasks, run in order");

const bindSchema = oneOf(
  [
    string("a host path, bound read-only at the same path"),
    object(
      {
        ro: optional(string("path"), "a host path bound read-only at the same path"),
        rw: optional(string("path"), "a host path bound writable at the same path"),
        from: optional(string("path"), "host path"),
        to: optional(string("path"), "path in the container (default: same as from)"),
        writable: withDefault(boolean("writable"), false, "bind writable (default read-only)"),
      },
      "a bind mount: {ro: PATH}, {rw: PATH} or {from, to, writable}",
    ),
  ],
  "a bind mount",
);

const syncSchema = oneOf(
  [
    boolean("true: emerge --sync in a container with the repository writable; false: never sync"),
    object(
      {
        script: required(script, "the sync script"),
        host: withDefault(boolean("host"), false, "run the script on the host instead of in a container"),
      },
      "a custom sync script",
    ),
  ],
  "how the repository is synced before the tasks",
);

const notifySchema = object(
  {
    webhook: optional(string("URL"), "an http(s) URL that gets a JSON POST {event, task, run, result, reason, host, time}"),
    mail: optional(
      object(
        {
          to: required(string("address"), "who gets the mail (comma-separated addresses)"),
          from: optional(string("address"), "the From: address (default: sendmail's)"),
          sendmail: withDefault(string("path"), "/usr/sbin/sendmail", "the local sendmail, run as `sendmail -t`"),
        },
        "mail through the local sendmail",
      ),
      "mail through the local sendmail",
    ),
  },
  "notifications of the daemon",
);

export const configSchema = object(
  {
    stage: required(string("path"), "the stage3/stage4 directory (a btrfs subvolume is recommended)"),
    etc_portage: required(string("path"), "a directory copied into every container as /etc/portage; never changed"),
    portage_repo: required(string("path"), "the ebuild repository on the host"),
    portage_repo_location: withDefault(string("path"), "/var/db/repos/gentoo", "where the stage expects the repository (/usr/portage on legacy stages)"),
    pkgdir: optional(string("path"), "the host directory of binpkgs, bound at pkgdir_location (or give a writable bind there)"),
    pkgdir_location: withDefault(string("path"), "/var/cache/binpkgs", "PKGDIR inside the container"),
    distdir: optional(string("path"), "the host directory of source downloads, bound at distdir_location"),
    distdir_location: withDefault(string("path"), "/var/cache/distfiles", "DISTDIR inside the container"),
    stage_generations: withDefault(integer("generations", 1), 3, "how many generations of the stage to keep for rollback (persisting tasks make a new one)"),
    keep_failed: withDefault(integer("count", 0), 3,
      "how many failed throw-away containers to keep for inspection (binpkgbot stage shell --failed TASK), newest first; 0 keeps none"),
    publish: optional(
      oneOf([string("auto"), object({ when: withDefault(string("success | always | covered"), "success", "success: runs without a failed task; always: every run, even a failed or interrupted one; covered: only when no declared server would compile (needs servers:)") }, "when runs are published")], "auto or {when}"),
      "publish each run's PKGDIR as a release (auto: after a successful run); absent: only binpkgbot publish makes releases",
    ),
    releases_dir: optional(string("path"), "where releases are kept (default: beside pkgdir, PKGDIR.releases; must be on pkgdir's filesystem)"),
    releases_keep: withDefault(integer("count", 1), 10, "how many releases to keep, newest first; the current, pinned (releases keep N) and tagged ones always stay"),
    state_dir: optional(string("path"), "where binpkgbot keeps logs, work files and its database; absent: a directory of this config's own, /var/lib/binpkgbot/NAME-HASH"),
    log_retention: withDefault(oneOf([integer("runs", 1), string("days, e.g. '30d'")], "runs or days"), "30d",
      "how long run logs and work files are kept: a number of runs (20) or of days ('30d'); the newest log of each task is always kept"),
    use_sudo_for_nspawn: withDefault(boolean("sudo"), false, "prefix systemd-nspawn with sudo"),
    memory_max: optional(string("size, e.g. '4G'"),
      "the most memory one container may use, e.g. '4G' or '512M' (base 1024); a build that needs more is killed and reported as out-of-memory; absent: no limit"),
    emerge_options: withDefault(list(string("option"), "options"), [], "options given to every emerge, e.g. ['--verbose', '--jobs=2']"),
    config_protect_mask: optional(
      oneOf([string("value"), boolean("false leaves CONFIG_PROTECT_MASK alone")], "CONFIG_PROTECT_MASK"),
      "CONFIG_PROTECT_MASK in containers: absent means /etc (overwrite config files), false leaves it alone, a string is the value",
    ),
    sync: withDefault(syncSchema, true, "sync the repository before the tasks"),
    binds: withDefault(list(bindSchema, "binds"), [], "more bind mounts for every container"),
    tasks: withDefault(taskListSchema, [], "what to build, in order"),
    jobs: withDefault(oneOf([integer("tasks", 1), constant("auto", "one task per online CPU")], "tasks at once"), 1,
      "how many tasks run at once, each in its own container: throw-away tasks between two persisting ones (or host `run` tasks, or the sync) run side by side; 'auto': one per online CPU"),
    servers: withDefault(serverListSchema, [], "the servers that install these binpkgs: `binpkgbot coverage` tells what each would still compile"),
    retries: withDefault(integer("retries", 0, MAX_RETRIES), DEFAULT_RETRIES, `${retriesDescription}; a task's own 'retries' wins`),
    build_jobs: optional(integer("jobs", 1),
      "the total number of compile jobs across all containers of a run: one GNU make jobserver with this many tokens, shared by every build; absent: no pool (each build's own MAKEOPTS)"),
    stage_binrepos: withDefault(boolean("stage_binrepos"), false,
      "let containers use the stage's own /etc/portage/binrepos.conf (stage3s ship Gentoo's official binhost) where etc_portage has none; by default they do not see it"),
    signing: optional(
      object(
        {
          key: required(string("key"), "the signing key's fingerprint (40 hex digits) or long key id (16)"),
          gnupg_home: required(string("path"), "the host GnuPG home holding the secret key (without a passphrase: builds cannot type one)"),
        },
        "sign binpkgs with Portage's binpkg-signing (GPKG)",
      ),
      "sign every binpkg: build containers get FEATURES=binpkg-signing with this key, and a keyring in /etc/portage/gnupg that trusts it",
    ),
    schedule: withDefault(string("schedule"), "1h", "when `binpkgbot daemon` syncs and, if anything changed, runs the tasks: an interval ('90s', '30m', '6h', '1h30m') or a cron expression ('*/30 * * * *')"),
    notify: optional(notifySchema, "where `binpkgbot daemon` reports a task that starts failing or recovers, and a run that cannot start"),
    status_listen: withDefault(
      oneOf([string("HOST:PORT"), boolean("false: no status server")], "HOST:PORT or false"),
      "127.0.0.1:8735",
      "where `binpkgbot daemon` answers GET /health and GET /status (read-only JSON) and serves the dashboard; false: nowhere",
    ),
    dashboard: optional(
      object({ token_file: optional(string("path"), "a file holding the dashboard's token, relative to this file: needed to listen beyond localhost, and for the actions") }, "the dashboard"),
      "the dashboard on status_listen and of `binpkgbot dashboard`",
    ),
  },
  "binpkgbot.yml",
);

export function renderJsonSchema(): JsonSchema {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://github.com/binpkgbot/binpkgbot/schema/binpkgbot.schema.json",
    title: "binpkgbot.yml",
    ...configSchema.json(),
  };
}

export const taskFileJsonSchema = (): JsonSchema => ({
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "binpkgbot task file",
  ...taskListSchema.json(),
});
