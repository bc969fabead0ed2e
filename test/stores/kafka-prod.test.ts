import { kafkaSuite } from './kafka.suite';

kafkaSuite('prod');
