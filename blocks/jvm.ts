/**
 * The one place the data layer's JVM command lines are built (ZooKeeper,
 * Kafka). The rendered commands start `java` directly instead of the images'
 * launcher scripts (`zkServer.sh`, `kafka-server-start.sh`), so every flag a
 * broker runs with is in the manifest a reviewer reads: heap, G1, exit on OOM
 * (kubelet restarts the container), and a GC log bounded to fit the emptyDir
 * it is written to — the launchers' default `-loggc` keeps up to 10 × 100 MB.
 */
export interface JavaCommand {
  /** -Xms = -Xmx, MiB. */
  readonly heapMi: number;
  /** Directory of the jars (`<dir>/*` is the classpath). */
  readonly libDir: string;
  readonly mainClass: string;
  readonly args: readonly string[];
  /** GC log files (rotated): at most `files` × `fileMi` MiB in `dir`. @default no GC log */
  readonly gcLog?: { readonly dir: string; readonly files: number; readonly fileMi: number };
  /** -D system properties. */
  readonly properties?: Readonly<Record<string, string>>;
  /** -javaagent:<jar>=<options>. */
  readonly agents?: readonly string[];
  /** Extra -XX flags (e.g. the G1 pause target Kafka's launcher uses). */
  readonly flags?: readonly string[];
}

/** The bash line that execs the JVM as PID 1 (signals reach it; no launcher shell in between). */
export function javaExec(c: JavaCommand): string {
  const parts = [
    'exec java',
    `-Xms${c.heapMi}m -Xmx${c.heapMi}m`,
    '-XX:+UseG1GC',
    ...(c.flags ?? []),
    // The kubelet restarts a container that exits; a JVM limping on after an OOM does not recover.
    '-XX:+ExitOnOutOfMemoryError',
    // No hsperfdata under /tmp (read-only root; nothing reads it).
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    ...(c.gcLog ? [`-Xlog:gc*:file=${c.gcLog.dir}/gc.log:time,tags:filecount=${c.gcLog.files},filesize=${c.gcLog.fileMi}M`] : []),
    ...Object.entries(c.properties ?? {}).map(([k, v]) => `-D${k}=${v}`),
    ...(c.agents ?? []).map((a) => `-javaagent:${a}`),
    `-cp '${c.libDir}/*'`,
    c.mainClass,
    ...c.args,
  ];
  return parts.join(' \\\n  ');
}
