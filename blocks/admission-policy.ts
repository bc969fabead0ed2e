import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

/** admissionregistration.k8s.io/v1: GA in Kubernetes 1.30, the oldest release the project supports. */
const API_VERSION = 'admissionregistration.k8s.io/v1';

export interface ValidatingAdmissionPolicyProps {
  readonly metadata: ApiObjectMetadata;
  /** The policy. cdk8s-plus-28's v1beta1 type: the fields v1 has in 1.30 are the same (the strict 1.30 schema checks it). */
  readonly spec: k8s.ValidatingAdmissionPolicySpecV1Beta1;
}

/**
 * A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): CEL checks
 * kube-apiserver itself runs on every matching request, no webhook to run.
 * cdk8s-plus-28 generates only the v1beta1 class, which Kubernetes 1.30+
 * does not serve by default; this one renders the same typed spec as v1.
 */
export class ValidatingAdmissionPolicy extends ApiObject {
  constructor(scope: Construct, id: string, props: ValidatingAdmissionPolicyProps) {
    super(scope, id, { apiVersion: API_VERSION, kind: 'ValidatingAdmissionPolicy', metadata: props.metadata, spec: k8s.toJson_ValidatingAdmissionPolicySpecV1Beta1(props.spec) });
  }
}

export interface ValidatingAdmissionPolicyBindingProps {
  readonly metadata: ApiObjectMetadata;
  /** Which policy applies where, and what a failed check does (v1beta1's type, as above). */
  readonly spec: k8s.ValidatingAdmissionPolicyBindingSpecV1Beta1;
}

/** A ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1): where a policy applies, and with which actions. */
export class ValidatingAdmissionPolicyBinding extends ApiObject {
  constructor(scope: Construct, id: string, props: ValidatingAdmissionPolicyBindingProps) {
    super(scope, id, { apiVersion: API_VERSION, kind: 'ValidatingAdmissionPolicyBinding', metadata: props.metadata, spec: k8s.toJson_ValidatingAdmissionPolicyBindingSpecV1Beta1(props.spec) });
  }
}
