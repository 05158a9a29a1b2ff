// The action's post step (dist/post.js).
import { runPost } from '../action/cleanup.js';

runPost();
