// AWS partitions and their DNS suffixes, as the SDKs' partition table has them.

/** DNS suffix of STS per partition (the SDKs' partition table). */
const PARTITION_SUFFIX: Record<string, string> = {
  aws: 'amazonaws.com',
  'aws-us-gov': 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
  'aws-eusc': 'amazonaws.eu',
};

/** The DNS suffix of a region's service endpoints (`amazonaws.com.cn` in China). */
export function dnsSuffix(region: string, partition: string): string {
  return region.startsWith('cn-')
    ? 'amazonaws.com.cn'
    : (PARTITION_SUFFIX[partition] ?? 'amazonaws.com');
}

/** The partition an AWS region belongs to, as the SDKs' partition table says. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}
