planning-wrong-step = Ce n'est pas à cette étape : rechargez la page pour voir où elle en est.
