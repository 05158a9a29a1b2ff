/* eslint-disable no-console -- a step of the CI self-test: it talks to the job log */
// Nothing to do yet: post steps run in the reverse order of the steps, so this action's post step
// runs after the post step of every action used after it (the action under test among them).
console.log('The post step of this action checks that the kubeconfig was removed.');
