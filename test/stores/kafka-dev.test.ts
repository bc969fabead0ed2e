import { kafkaSuite } from './kafka.suite';

kafkaSuite('dev');
