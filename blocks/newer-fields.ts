import { JsonPatch, type ApiObject } from 'cdk8s';

/**
 * Fields of the supported Kubernetes releases (1.30+) that cdk8s-plus-28's
 * generated types predate. Their typed serializers drop unknown fields, even
 * ones added by `addJsonPatch`, so these patches apply to the serialized
 * object, after the types. The strict schema tests (Kubernetes 1.30
 * definitions) and the real API server check what comes out.
 */
export function patchSerialized(o: ApiObject, ...ops: JsonPatch[]): void {
  const typed = o.toJson.bind(o);
  o.toJson = () => JsonPatch.apply(typed(), ...ops);
}

/**
 * The kubelet's own preStop sleep (Kubernetes 1.29+, on by default from
 * 1.30): nothing has to run in the image, which distroless images could not.
 */
export function preStopSleep(o: ApiObject, containerIndexPath: string, seconds: number): void {
  patchSerialized(o, JsonPatch.add(`${containerIndexPath}/lifecycle`, { preStop: { sleep: { seconds } } }));
}
